-- wrk script: each thread walks its own slice of the request paths in PATHS_FILE, so no two
-- requests reuse a token (join tokens become single-use).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS_FILE")) do
    paths[#paths + 1] = line
  end
  index = id + 1
  step = tonumber(os.getenv("THREADS") or "1")
end

function request()
  local path = paths[index]
  index = index + step
  if index > #paths then
    index = id + 1
    wrapped = true
  end
  return wrk.format("GET", path)
end
