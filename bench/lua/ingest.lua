-- POST batches of server events to /api/v1/events until a deadline, then go quiet; each thread
-- stops once every batch it sent has been answered (and counted), so nothing is left in flight.
-- Args: <secret key> <path> <users> <names "name:weight,..."> <deadline (monotonic s)>
--       <batch size> <run tag> <percent of events with a company>
-- Event ids are "<random>-<run tag>-t<thread>-<counter>": unique across threads and runs, and
-- in no order, like the UUIDs the widget and the SDK send (ids that sort in sending order made
-- the event log's index an append: bench/README.md, "Random event ids").
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local path, headers, users, deadline, batch_size, tag, company_percent
local names = {}
local plans = { "trial", "standard", "pro", "enterprise" }
local sources = { "api", "import", "job" }

function setup(thread)
  common.setup(thread)
end

function init(args)
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[1] }
  path = args[2]
  users = tonumber(args[3])
  for name, weight in args[4]:gmatch("([^:,]+):(%d+)") do
    for _ = 1, tonumber(weight) do names[#names + 1] = name end
  end
  deadline = tonumber(args[5])
  batch_size = tonumber(args[6])
  tag = args[7]
  company_percent = tonumber(args[8])
  math.randomseed(os.time() * 1000 + (thread_index or 0) * 7919 + math.floor(common.clock() * 1e6) % 100000)
  -- Globals: read by done() through thread:get.
  counter, sent, batches_sent = 0, 0, 0
  acked, duplicates, batches_ok, batches_failed, completed_items = 0, 0, 0, 0, 0
  first_send, last_ack, first_error = nil, nil, ""
end

function delay()
  if common.clock() >= deadline then
    return 3600 * 1000 -- past the deadline: this connection stays idle until wrk stops
  end
  return 0
end

function request()
  if thread_index == 1 and not verified then
    -- wrk calls request() once on the first thread to check the script, and never sends it.
    verified = true
    return wrk.format("GET", "/healthz")
  end
  if first_send == nil then first_send = common.clock() end
  local now = os.time()
  local stamps = {}
  for i = 1, 4 do
    stamps[i] = ',"timestamp":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ", now - (i - 1) * 900) .. '"'
  end
  stamps[5], stamps[6], stamps[7], stamps[8] = "", "", "", "" -- half the events carry none
  local events = {}
  for i = 1, batch_size do
    counter = counter + 1
    local user = math.random(users)
    local company = ""
    if math.random(100) <= company_percent then
      company = string.format(',"company_id":"co-%d"', math.floor((user - 1) / 10) + 1)
    end
    local name = names[math.random(#names)]
    local properties
    if name == "$active" then -- a heartbeat: active seconds only
      properties = string.format('{"seconds":%d}', math.random(30, 60))
    else
      properties = string.format(
        '{"plan":"%s","count":%d,"source":"%s"}',
        plans[math.random(#plans)], math.random(1, 50), sources[math.random(#sources)]
      )
    end
    events[i] = string.format(
      '{"id":"%08x%04x-%s-t%d-%d","name":"%s","user_id":"user-%d"%s,"properties":%s%s}',
      math.random(0, 2147483647), math.random(0, 65535), tag, thread_index or 0, counter,
      name, user, company, properties, stamps[math.random(8)]
    )
  end
  sent = sent + batch_size
  batches_sent = batches_sent + 1
  return wrk.format("POST", path, headers, '{"events":[' .. table.concat(events, ",") .. "]}")
end

function response(status, headers, body)
  if status == 200 then
    acked = acked + (tonumber(body:match('"accepted":%s*(%d+)')) or 0)
    duplicates = duplicates + (tonumber(body:match('"duplicates":%s*(%d+)')) or 0)
    local _, items = body:gsub('"item":', "")
    completed_items = completed_items + items
    batches_ok = batches_ok + 1
    last_ack = common.clock()
  else
    batches_failed = batches_failed + 1
    if first_error == "" then first_error = status .. " " .. body:sub(1, 300) end
  end
  if batches_ok + batches_failed >= batches_sent and common.clock() >= deadline then
    common.drained() -- harness.py stops wrk once every thread has said so
  end
end

function done(summary, latency, requests)
  common.report(summary, latency, {
    sums = { "sent", "batches_sent", "acked", "duplicates", "batches_ok", "batches_failed",
      "completed_items" },
    mins = { "first_send" },
    maxs = { "last_ack" },
    firsts = { "first_error" },
  })
end
