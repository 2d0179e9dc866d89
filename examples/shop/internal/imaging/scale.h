#ifndef SHOP_SCALE_H
#define SHOP_SCALE_H
/* fit_within scales w x h down to fit a max x max box, keeping the aspect ratio. */
void fit_within(int w, int h, int max, int *ow, int *oh);
#endif
