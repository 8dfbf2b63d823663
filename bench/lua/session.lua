-- POST one widget `session` body per request, for a user picked at random.
-- Args: <bodies file: one JSON body per line> <Origin header> <path> [gzip]
-- With "gzip", requests say Accept-Encoding: gzip, as browsers do (a proxy then compresses).
-- The bodies are prepared by widget_session.py (one per user, traits fixed per user); every
-- request is pre-formatted in init() so that wrk spends as little CPU as possible.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(here .. "common.lua")

local prepared = {}

function setup(thread)
  common.setup(thread)
end

function init(args)
  local path = args[3]
  local headers = { ["Content-Type"] = "application/json", ["Origin"] = args[2] }
  if args[4] == "gzip" then headers["Accept-Encoding"] = "gzip" end
  for line in io.lines(args[1]) do
    prepared[#prepared + 1] = wrk.format("POST", path, headers, line)
  end
  math.randomseed(os.time() * 1000 + (thread_index or 0))
end

function request()
  return prepared[math.random(#prepared)]
end

function done(summary, latency, requests)
  common.report(summary, latency)
end
