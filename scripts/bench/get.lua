-- Mini-app GETs: BENCH_REQUESTS is a file of "path<TAB>Authorization" lines (written by run.py),
-- one reader's own init data with each path, so every request is a real, validated read by
-- a distinct user. Thread t of T starts at line 1 + (t - 1) * #lines / T and walks on,
-- wrapping: reading the same thing again is what readers do, unlike a re-sent update.
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local lines = {}
local n = 0

function init(args)
  -- thread_index is a global set by setup(); read it here, never shadow it with a local
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local path, auth = line:match("^([^\t]+)\t(.*)$")
    table.insert(lines, {path, {["Authorization"] = auth}})
  end
  n = math.floor(thread_index * #lines / tonumber(os.getenv("BENCH_LANES") or "2"))
end

request = function()
  n = n + 1
  local entry = lines[(n % #lines) + 1]
  return wrk.format("GET", entry[1], entry[2])
end

done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"errors":%d,"non2xx":%d,"p50_ms":%f,"p99_ms":%f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
