-- wrk script: the same requests as http_load: GETs rotating over the paths listed in the file
-- given after "--", each with the same Range header. Requests are formatted once, up front.
local requests = {}
local next_index = 1

function init(args)
  local range = args[2] or "bytes=0-16383"
  for path in io.lines(args[1]) do
    requests[#requests + 1] = wrk.format("GET", path, { ["Range"] = range })
  end
  -- Threads start at different points so they do not walk the files in lock step.
  next_index = (math.random(#requests) - 1) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

local statuses = {}
function response(status, headers, body)
  if status ~= 206 then
    statuses[status] = (statuses[status] or 0) + 1
  end
end
