-- wrk: POST GraphQL operations with an optional bearer token, and count responses that
-- carry GraphQL errors.
--
-- BENCH_BODY_FILE holds one JSON body per line. Each thread takes every n-th line (thread i
-- of n starts at line i) and cycles through its lines, so a file of mixed lines is a mix.
-- With BENCH_ONCE=1 each line is sent once (operations that use something up, like a draw
-- for a review): a thread that has sent its lines sends `{ __typename }` until its answers
-- are in, then stops, so the reported rate covers the operations alone, plus at most one
-- probe per connection.
local body_file = os.getenv("BENCH_BODY_FILE")
local token = os.getenv("BENCH_TOKEN")
local once = os.getenv("BENCH_ONCE") == "1"
local probe = '{"query":"{ __typename }"}'

local threads = {}
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("index", thread_count)
  table.insert(threads, thread)
end

-- As a browser asks: it takes gzip. A server may compress (cleanprod does for the answers it
-- keeps, the published ranking's; PostGraphile 4 sends every answer as it is).
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json",
                  ["Accept-Encoding"] = "gzip" }
if token ~= nil and token ~= "" then
  headers["Authorization"] = "Bearer " .. token
end

function init(args)
  graphql_errors = 0
  local all = {}
  for line in io.lines(body_file) do
    if line ~= "" then table.insert(all, line) end
  end
  lines = {}
  -- `index` was set on this thread by setup(); BENCH_THREADS is wrk's -t.
  local count = tonumber(os.getenv("BENCH_THREADS")) or 1
  for i = index, #all, count do table.insert(lines, all[i]) end
  if #lines == 0 then lines = all end
  next_line = 1
  answered = 0
end

function request()
  if once and next_line > #lines then
    return wrk.format("POST", nil, headers, probe)
  end
  local body = lines[next_line]
  next_line = next_line + 1
  if not once and next_line > #lines then next_line = 1 end
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  answered = answered + 1
  -- A compressed body is a kept answer, which never has errors (only those are kept).
  local gzip = (hdrs["content-encoding"] or hdrs["Content-Encoding"]) == "gzip"
  if status ~= 200 or (not gzip and string.find(body, '"errors"', 1, true)) then
    graphql_errors = graphql_errors + 1
  end
  if once and answered >= #lines then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local errors = 0
  for _, t in ipairs(threads) do
    errors = errors + t:get("graphql_errors")
  end
  local rps = summary.requests / (summary.duration / 1e6)
  if once then
    -- The run outlasts the operations (wrk stops at its duration, not when the threads do):
    -- the rate is the concurrency over the mean latency (Little's law, no think time).
    rps = (tonumber(os.getenv("BENCH_CONNECTIONS")) or 1) / (latency.mean / 1e6)
  end
  io.write(string.format("BENCH rps=%.1f p50_ms=%.2f p99_ms=%.2f requests=%d errors=%d\n",
    rps,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors + summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
