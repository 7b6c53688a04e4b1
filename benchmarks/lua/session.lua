-- A visitor with a session: the first response's Set-Cookie is sent back on every later
-- request of the run, from every connection. Reports as report.lua does.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "report.lua")

local cookie = nil

request = function()
  if cookie then
    return wrk.format("GET", nil, { ["Cookie"] = cookie })
  end
  return wrk.format("GET")
end

response = function(status, headers, body)
  if not cookie then
    local set = headers["Set-Cookie"] or headers["set-cookie"]
    if set then
      cookie = string.match(set, "^([^;]+)")
    end
  end
end
