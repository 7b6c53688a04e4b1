-- Visitors with sessions, one per connection: the first request of each connection
-- (the script's argument: connections per thread) has no cookie, and its response
-- starts a session; every later request sends one of those sessions' cookies, in
-- turn. Reports as status.lua does.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "status.lua")

local connections = 1
local calls = 0
local visits = {}  -- a request with each session's cookie
local turn = 0

function init(args)
  connections = tonumber(args[1]) or 1
end

request = function()
  calls = calls + 1
  -- wrk calls request() once to check it before the run, then as each connection opens
  if calls <= connections + 1 or #visits == 0 then
    return wrk.format("GET")
  end
  turn = turn % #visits + 1
  return visits[turn]
end

response = function(status, headers, body)
  local cookie = count(status, headers)
  if cookie and #visits < connections then
    table.insert(visits, wrk.format("GET", nil, { ["Cookie"] = cookie }))
  end
end
