-- Counts which worker answered each request (the sample's /worker returns its pid)
-- and prints the share of each worker at the end of a wrk run.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  local pid = string.match(body, '"pid":(%d+)')
  if pid then
    counts[pid] = (counts[pid] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, all = {}, 0
  for _, thread in ipairs(threads) do
    for pid, n in pairs(thread:get("counts")) do
      total[pid] = (total[pid] or 0) + n
      all = all + n
    end
  end
  for pid, n in pairs(total) do
    io.write(string.format("worker pid %s: %d requests (%.1f%%)\n", pid, n, 100 * n / all))
  end
end
