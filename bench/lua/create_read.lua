-- POST the JSON body in the file named by the second argument to the collection named by the
-- first, then GET the record each answer names: create, read back, repeat.
-- wrk -s create_read.lua URL -- /collection/path/ body.json
local collection, body
local created = {}

function init(args)
  collection = args[1]
  local file = assert(io.open(args[2], "rb"))
  body = file:read("*a")
  file:close()
  wrk.headers["Authorization"] = "Api-Key bench"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if #created > 0 then
    return wrk.format("GET", table.remove(created))
  end
  return wrk.format("POST", collection, nil, body)
end

function response(status, headers, answer)
  if status == 201 then
    local id = answer:match('"id"%s*:%s*(%d+)')
    if id then created[#created + 1] = collection .. id .. "/" end
  end
end
