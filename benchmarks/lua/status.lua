-- Counts, in every thread, the responses whose status is not 200 (wrk's own errors
-- count those above 399 only, not a redirect) and the sessions started (responses
-- with a Set-Cookie), and reports them as report.lua does, as "non200" and
-- "sessions", with the requests that got no response ("no_response"). Run on its
-- own (/evict) or loaded by a script whose response() calls count(status, headers),
-- which returns the session cookie a response set.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "report.lua")

local threads = {}
non200 = 0
sessions = 0

function setup(thread)
  table.insert(threads, thread)
end

function count(status, headers)
  if status ~= 200 then
    non200 = non200 + 1
  end
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if set then
    sessions = sessions + 1
    return string.match(set, "^([^;]+)")
  end
  return nil
end

response = function(status, headers, body)
  count(status, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  -- The requests that got no response at all
  local counts = { non200 = 0, sessions = 0, no_response = e.connect + e.read + e.write + e.timeout }
  for _, thread in ipairs(threads) do
    counts.non200 = counts.non200 + thread:get("non200")
    counts.sessions = counts.sessions + thread:get("sessions")
  end
  report(summary, latency, counts)
end
