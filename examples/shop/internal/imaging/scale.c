#include "scale.h"

void fit_within(int w, int h, int max, int *ow, int *oh) {
	if (w <= max && h <= max) { *ow = w; *oh = h; return; }
	if (w >= h) { *ow = max; *oh = (int)((long)h * max / w); }
	else { *oh = max; *ow = (int)((long)w * max / h); }
}
