-- bench/post.lua: wrk script that POSTs one fixed body with fixed headers,
-- for bench/listen.sh. Configured by environment variables:
--
--   BENCH_BODY     file holding the body, sent byte for byte (required)
--   BENCH_HEADERS  file of "Name: value" lines to send as well, such as the
--                  output of `hooktool sign` (optional)
--   BENCH_IDS      when set, every answer with a status below 400 has the
--                  "id" of its JSON body written to this file, one a line
--                  ("-" when the body has none), so the answers can be
--                  matched with the records a server kept. This makes wrk
--                  hand each answer to Lua, which costs it some CPU; use it
--                  for every server of a comparison or for none.
--
-- done() prints one line to stdout that bench/listen.sh reads:
--
--   BENCH requests=N ok=N non2xx=N errors=N duration_us=N rps=R p50_us=N p99_us=N
--
-- ok counts answers with a status below 400 (wrk's own "status" errors are
-- those of 400 and above), errors are connect, read, write and timeout errors.

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local body_file = os.getenv("BENCH_BODY")
assert(body_file and body_file ~= "", "BENCH_BODY must name the file holding the body")

wrk.method = "POST"
wrk.body = slurp(body_file)
wrk.headers["Content-Type"] = "application/json"

local headers_file = os.getenv("BENCH_HEADERS")
if headers_file and headers_file ~= "" then
  for line in slurp(headers_file):gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    assert(name, "BENCH_HEADERS: not a 'Name: value' line: " .. line)
    wrk.headers[name] = value
  end
end

local ids_file = os.getenv("BENCH_IDS")
if ids_file == "" then
  ids_file = nil
end

-- Setup phase: remember the threads so that done() can collect their ids.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Running phase (one Lua state per thread).
ids = {}

if ids_file then
  function response(status, headers, body)
    if status < 400 then
      ids[#ids + 1] = (body and body:match('"id"%s*:%s*"([^"]+)"')) or "-"
    end
  end
end

-- Done phase.
function done(summary, latency, requests)
  local e = summary.errors
  local non2xx = e.status
  local ok = summary.requests - non2xx
  local errors = e.connect + e.read + e.write + e.timeout
  if ids_file then
    local f = assert(io.open(ids_file, "wb"))
    for _, t in ipairs(threads) do
      local got = t:get("ids")
      for i = 1, #got do
        f:write(got[i], "\n")
      end
    end
    f:close()
  end
  io.write(string.format(
    "BENCH requests=%d ok=%d non2xx=%d errors=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d\n",
    summary.requests, ok, non2xx, errors, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99)))
end
