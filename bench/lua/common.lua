-- Shared by the benchmark scripts: a monotonic clock (the same CLOCK_MONOTONIC as Python's
-- time.monotonic), per-thread bookkeeping, and the one JSON line harness.py parses.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]

local common = {}
local timespec = ffi.new("bench_timespec")
local threads = {}

function common.clock()
  ffi.C.clock_gettime(1, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

-- Call from setup(thread): numbers the threads (global `thread_index` in each).
function common.setup(thread)
  thread:set("thread_index", #threads + 1)
  table.insert(threads, thread)
end

-- Tell harness.py that this thread has nothing in flight any more (once per thread).
local said_drained = false
function common.drained()
  if not said_drained then
    said_drained = true
    io.stdout:write("@@BENCH_DRAINED\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end

local function encode(value)
  local kind = type(value)
  if kind == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif kind == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif kind == "table" then
    local parts = {}
    for key, item in pairs(value) do
      table.insert(parts, encode(tostring(key)) .. ":" .. encode(item))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "boolean" then
    return tostring(value)
  end
  return "null"
end

-- Call from done(): prints wrk's summary plus per-thread globals, summed (`sums`), the
-- smallest (`mins`), the largest (`maxs`) or the first non-empty string (`firsts`).
function common.report(summary, latency, aggregate)
  local result = {
    requests = summary.requests,
    duration_us = summary.duration,
    bytes = summary.bytes,
    errors = summary.errors,
    latency_us = {
      p50 = latency:percentile(50),
      p90 = latency:percentile(90),
      p99 = latency:percentile(99),
      mean = latency.mean,
      max = latency.max,
    },
  }
  aggregate = aggregate or {}
  for _, name in ipairs(aggregate.sums or {}) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
    result[name] = total
  end
  for _, name in ipairs(aggregate.mins or {}) do
    for _, thread in ipairs(threads) do
      local value = thread:get(name)
      if value and (result[name] == nil or value < result[name]) then result[name] = value end
    end
  end
  for _, name in ipairs(aggregate.maxs or {}) do
    for _, thread in ipairs(threads) do
      local value = thread:get(name)
      if value and (result[name] == nil or value > result[name]) then result[name] = value end
    end
  end
  for _, name in ipairs(aggregate.firsts or {}) do
    for _, thread in ipairs(threads) do
      local value = thread:get(name)
      if value and value ~= "" and result[name] == nil then result[name] = value end
    end
  end
  io.write("@@BENCH_RESULT " .. encode(result) .. "\n")
end

return common
