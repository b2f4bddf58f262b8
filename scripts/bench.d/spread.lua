-- wrk script: counts responses by the process that answered (the body ends with its pid).
counts = {}

response = function(status, headers, body)
  local pid = string.match(body, "process (%d+)")
  if pid then
    counts[pid] = (counts[pid] or 0) + 1
  end
end

local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for pid, n in pairs(thread:get("counts")) do
      total[pid] = (total[pid] or 0) + n
    end
  end
  for pid, n in pairs(total) do
    io.write(string.format("SPREAD %s %d\n", pid, n))
  end
end
