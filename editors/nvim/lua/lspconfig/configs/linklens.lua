-- nvim-lspconfig server configuration for linklens (the shape of nvim-lspconfig's
-- lua/lspconfig/configs/<name>.lua). With this folder on 'runtimepath':
--   require('lspconfig').linklens.setup({})
-- Self-contained (no lspconfig.util), so it also loads on Neovim 0.7, where tests/real/lsp_nvim.rs checks it.

local filetypes = { 'go', 'gomod', 'gowork', 'make', 'dockerfile', 'yaml', 'sh', 'bash' }

--- The folder of the nearest go.work, else go.mod, else .git, above `fname`.
local function root_dir(fname)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  for _, marker in ipairs({ 'go.work', 'go.mod' }) do
    local found = vim.fn.findfile(marker, dir .. ';')
    if found ~= '' then
      return vim.fn.fnamemodify(found, ':p:h')
    end
  end
  local git = vim.fn.finddir('.git', dir .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return nil
end

return {
  default_config = {
    cmd = { 'linklens', 'serve' },
    filetypes = filetypes,
    root_dir = root_dir,
    single_file_support = false,
    settings = {
      linklens = {
        expect = 'static',
      },
    },
  },
  docs = {
    description = [[
linklens predicts whether a Go binary will be statically or dynamically linked, and why.

`linklens serve` publishes diagnostics on the imports (and the Makefile, Dockerfile, goreleaser or ko
builds) that make a binary dynamically linked, with hovers and quick fixes that make it static.

Settings (section `linklens`): `expect` ("static" or "report"), `buildFlags`, `env`, `codelens`, `runGo`,
`logLevel` ("off" … "trace", default "warn": the engine's reasoning in the LSP log).
]],
  },
}
