-- Neovim 0.11+ configuration for linklens: with this folder on 'runtimepath',
--   vim.lsp.enable('linklens')
-- is all it takes (see docs/neovim.md).
---@type vim.lsp.Config
return {
  cmd = { 'linklens', 'serve' },
  filetypes = { 'go', 'gomod', 'gowork', 'make', 'dockerfile', 'yaml', 'sh', 'bash' },
  root_markers = { 'go.work', 'go.mod', '.git' },
  settings = {
    linklens = {
      expect = 'static',
    },
  },
}
