-- GET requests with the mini app's Authorization header, paths rotating over a list.
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS") or "/healthz", "[^,]+") do table.insert(paths, path) end
local auth = os.getenv("BENCH_AUTH") or ""
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Authorization"] = auth})
end

done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"errors":%d,"non2xx":%d,"p50_ms":%f,"p99_ms":%f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
