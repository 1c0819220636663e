-- A realistic mix of updates, each with a fresh update_id: composition steps (commands and
-- text), button presses and reveals, from a pool of users.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

local function user(n)
  return string.format('{"id":%d,"is_bot":false,"first_name":"Load%d","language_code":"en"}', 9000000 + n, n)
end

local function message(id, uid, text, entity)
  local entities = entity and ',"entities":[{"type":"bot_command","offset":0,"length":' .. #text .. '}]' or ""
  return string.format('{"update_id":%d,"message":{"message_id":%d,"date":1700000000,"chat":{"id":%d,"type":"private"},"from":%s,"text":"%s"%s}}',
    id, id, 9000000 + uid, user(uid), text, entities)
end

local function callback(id, uid, data)
  return string.format('{"update_id":%d,"callback_query":{"id":"cq%d","from":%s,"chat_instance":"x","data":"%s","message":{"message_id":1,"date":1700000000,"chat":{"id":%d,"type":"private"},"text":"x"}}}',
    id, id, user(uid), data, 9000000 + uid)
end

request = function()
  counter = counter + 1
  local id = thread_id * 100000000 + counter + tonumber(os.getenv("BENCH_OFFSET") or "0")
  local uid = counter % 500
  local kind = counter % 5
  local body
  if kind == 0 then body = message(id, uid, "/new", true)
  elseif kind == 1 then body = message(id, uid, "I have been meaning to tell you something", false)
  elseif kind == 2 then body = callback(id, uid, "skipmedia")
  elseif kind == 3 then body = callback(id, uid, "rv:doesnotexist")
  else body = message(id, uid, "/help", true) end
  return wrk.format("POST", "/telegram/webhook", {["Content-Type"] = "application/json", ["X-Telegram-Bot-Api-Secret-Token"] = os.getenv("BENCH_SECRET") or "bench-secret"}, body)
end

done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"errors":%d,"non2xx":%d,"p50_ms":%f,"p99_ms":%f}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
