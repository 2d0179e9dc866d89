-- Headless Neovim driving `linklens serve`: opens $LINKLENS_FILE, waits for
-- diagnostics, asks for a hover on the `"net/http"` import and writes both
-- to $LINKLENS_OUT as JSON. Run by tests/lsp_nvim.rs.
local root = assert(vim.env.LINKLENS_ROOT, 'LINKLENS_ROOT')
local file = assert(vim.env.LINKLENS_FILE, 'LINKLENS_FILE')
local out = assert(vim.env.LINKLENS_OUT, 'LINKLENS_OUT')
local bin = assert(vim.env.LINKLENS_BIN, 'LINKLENS_BIN')

local function finish(data)
  vim.fn.writefile({ vim.fn.json_encode(data) }, out)
  vim.cmd('qa!')
end

local ok, err = pcall(function()
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local config = {
    name = 'linklens',
    cmd = { bin, 'serve' },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = 'shop' } },
    settings = { linklens = { expect = 'static' } },
  }
  if vim.lsp.start then
    vim.lsp.start(config) -- Neovim 0.8+
  else
    local id = vim.lsp.start_client(config) -- Neovim 0.7
    vim.lsp.buf_attach_client(0, id)
  end
  local got = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 50)
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(diags, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
      code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or vim.NIL,
    })
  end
  local params = { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 4, character = 4 } }
  local res = vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 20000) or {}
  local hover = ''
  for _, r in pairs(res) do
    if r.result and r.result.contents then hover = r.result.contents.value or '' end
  end
  finish({ waited = got, diagnostics = diags, hover = hover, version = tostring(vim.version().minor) })
end)
if not ok then finish({ error = tostring(err) }) end
