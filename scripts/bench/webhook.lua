-- Webhook load: each request POSTs the next update from BENCH_BODIES (one JSON body a line,
-- written by updates.py), thread t of T sending lines t, t + T, t + 2T, ... so no update_id is
-- sent twice. The file is made longer than any run can use; a thread that reaches its end
-- stops (and run.py says the figures are void) rather than send an update again.
--
-- Before 2026-12-02 this script numbered updates itself, and a `local thread_id = 0` here hid
-- the value setup() gave each thread: both threads sent the same ids, about half the load.
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local bodies = {}
local next_index = 1
local headers = {
  ["Content-Type"] = "application/json",
  ["X-Telegram-Bot-Api-Secret-Token"] = os.getenv("BENCH_SECRET") or "bench-secret",
}

function init(args)
  -- thread_index is a global set by setup(); read it here, never shadow it with a local
  local lanes = tonumber(os.getenv("BENCH_LANES") or "2")
  local n = 0
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    if n % lanes == thread_index then table.insert(bodies, line) end
    n = n + 1
  end
end

request = function()
  local body = bodies[next_index]
  if body == nil then
    wrk.thread:stop()
    return wrk.format("GET", "/bench-ran-out-of-updates")
  end
  next_index = next_index + 1
  return wrk.format("POST", "/telegram/webhook", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"errors":%d,"non2xx":%d,"p50_ms":%f,"p99_ms":%f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
