-- wrk reports p50/75/90/99 only; this prints one JSON line with what bench/run.py needs.
-- BENCH_PATHS (optional): space-separated paths, picked in turn, for a mixed run.
local paths = {}
local index = 0
init = function(args)
  for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do table.insert(paths, p) end
end
request = function()
  if #paths == 0 then return wrk.format(nil) end
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests":%d,"seconds":%.3f,"errors":%d,"non2xx":%d,"p50":%.3f,"p95":%.3f,"p99":%.3f}\n',
    summary.requests, summary.duration / 1e6, errors, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
