-- A logged-in user per connection: the first request of each connection (the
-- script's argument: connections per thread) logs in (Spring Security's form login,
-- POST /login, which starts a session), and every later request sends GET /me with
-- one of those sessions' cookies, in turn. The logins are in the run's figures, one
-- per connection. Reports as status.lua does: a response that is not 200 (a failed
-- login, /me without a session) counts in "non200", the logins in "sessions".
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "status.lua")

local connections = 1
local calls = 0
local login = nil
local visits = {}  -- a request with each session's cookie
local turn = 0

function init(args)
  connections = tonumber(args[1]) or 1
  login = wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" },
    "username=bench&password=bench")
end

request = function()
  calls = calls + 1
  -- wrk calls request() once to check it before the run, then as each connection opens
  if calls <= connections + 1 or #visits == 0 then
    return login
  end
  turn = turn % #visits + 1
  return visits[turn]
end

response = function(status, headers, body)
  local cookie = count(status, headers)
  if cookie and status == 200 and #visits < connections then
    table.insert(visits, wrk.format("GET", nil, { ["Cookie"] = cookie }))
  end
end
