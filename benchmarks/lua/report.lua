-- Prints one machine-readable line at the end of a wrk run: throughput, latency
-- percentiles (p99.9 included, which wrk's own report leaves out) and errors, and
-- the fields of extra if given (status.lua's counts).
function report(summary, latency, extra)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local fields = ""
  for name, value in pairs(extra or {}) do
    fields = fields .. string.format(',"%s":%d', name, value)
  end
  io.write(string.format(
    'REPORT {"requests":%d,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"errors":%d%s}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000, errors, fields))
end

function done(summary, latency, requests)
  report(summary, latency)
end
