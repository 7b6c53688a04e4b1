-- A visitor with a session: the first response's Set-Cookie is sent back on every later
-- request of the run, from every connection. Prints the same report line as report.lua.
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

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format(
    'REPORT {"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"errors":%d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000, errors))
end
