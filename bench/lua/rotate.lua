-- GET each path of the file named by the first script argument, in turn, on every connection.
-- wrk -s rotate.lua URL -- paths.txt
local paths = {}
local next_path = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  wrk.headers["Authorization"] = "Api-Key bench"
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
