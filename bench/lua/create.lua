-- POST the JSON body in the file named by the second argument to the collection named by the
-- first, on every connection, again and again: creates only.
-- wrk -s create.lua URL -- /collection/path/ body.json
local collection, body

function init(args)
  collection = args[1]
  local file = assert(io.open(args[2], "rb"))
  body = file:read("*a")
  file:close()
  wrk.headers["Authorization"] = "Api-Key bench"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  return wrk.format("POST", collection, nil, body)
end
