-- bench/soak.lua: wrk script for bench/soak.sh. Like bench/post.lua it POSTs
-- one fixed body, but every SOAK_BAD_EVERY-th request of a thread carries a
-- wrong signature header instead of the right one, and it always keeps the
-- "id" of every answer's body. Configured by environment variables:
--
--   BENCH_BODY        file holding the body, sent byte for byte (required)
--   BENCH_HEADERS     file of "Name: value" lines sent with every request
--                     (the output of `hooktool sign`; required)
--   SOAK_BAD_HEADERS  file of "Name: value" lines that replace those of
--                     BENCH_HEADERS on every SOAK_BAD_EVERY-th request (the
--                     same header with a wrong signature; required)
--   SOAK_BAD_EVERY    [10] one request in this many is sent with the wrong one
--   BENCH_IDS         every answer with a status below 400 has the "id" of
--                     its JSON body written to this file, one a line ("-"
--                     when the body has none) (required)
--
-- The requests are made once per thread, in init(); request() only picks one
-- of the two strings, so the mix costs wrk almost nothing.
--
-- done() prints one line to stdout that bench/soak.sh reads:
--
--   SOAK requests=N ok=N non2xx=N errors=N duration_us=N rps=R p50_us=N
--        p90_us=N p99_us=N max_us=N sent=N bad_sent=N
--
-- ok counts answers with a status below 400 (wrk's own "status" errors are
-- those of 400 and above), errors are connect, read, write and timeout
-- errors, sent and bad_sent count the requests request() handed to wrk (all
-- of them, and those with the wrong signature), in flight at the end included.

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local function env(name)
  local v = os.getenv(name)
  assert(v and v ~= "", name .. " must be set")
  return v
end

local function read_headers(path, into)
  for line in slurp(path):gmatch("[^\r\n]+") do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    assert(name, path .. ": not a 'Name: value' line: " .. line)
    into[name] = value
  end
end

local bad_file = env("SOAK_BAD_HEADERS")
local ids_file = env("BENCH_IDS")
local every = tonumber(os.getenv("SOAK_BAD_EVERY") or "10")
assert(every and every >= 1, "SOAK_BAD_EVERY must be a positive integer")

wrk.method = "POST"
wrk.body = slurp(env("BENCH_BODY"))
wrk.headers["Content-Type"] = "application/json"
read_headers(env("BENCH_HEADERS"), wrk.headers)

-- Setup phase: remember the threads so that done() can collect their counts.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Running phase (one Lua state per thread).
local good_req, bad_req
sent, bad_sent, ids = 0, 0, {}

function init(args)
  -- wrk.init has set the Host header by now.
  good_req = wrk.format()
  local h = {}
  for k, v in pairs(wrk.headers) do
    h[k] = v
  end
  read_headers(bad_file, h)
  bad_req = wrk.format(nil, nil, h)
  assert(bad_req ~= good_req, "SOAK_BAD_HEADERS changes nothing")
end

function request()
  sent = sent + 1
  if sent % every == 0 then
    bad_sent = bad_sent + 1
    return bad_req
  end
  return good_req
end

function response(status, headers, body)
  if status < 400 then
    ids[#ids + 1] = (body and body:match('"id"%s*:%s*"([^"]+)"')) or "-"
  end
end

-- Done phase.
function done(summary, latency, requests)
  local e = summary.errors
  local non2xx = e.status
  local ok = summary.requests - non2xx
  local errors = e.connect + e.read + e.write + e.timeout
  local f = assert(io.open(ids_file, "wb"))
  local all, all_bad = 0, 0
  for _, t in ipairs(threads) do
    local got = t:get("ids")
    for i = 1, #got do
      f:write(got[i], "\n")
    end
    all = all + t:get("sent")
    all_bad = all_bad + t:get("bad_sent")
  end
  f:close()
  io.write(string.format(
    "SOAK requests=%d ok=%d non2xx=%d errors=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d sent=%d bad_sent=%d\n",
    summary.requests, ok, non2xx, errors, summary.duration,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    all, all_bad))
end
