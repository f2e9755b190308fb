-- A mix of reads and writes for a long run: GET lists and items, POST records, PATCH and DELETE
-- the records it created; each second's answers are appended to a file, for throughput over time.
-- wrk -s soak.lua URL -- lists.txt items.txt collections.txt body.json counts.txt [pool]
-- The body's "__NAME__" becomes soak-<collection>-<n>: an answer names the collection it came
-- from, since wrk does not say which request a response answers.
local lists, items, collections = {}, {}, {}
local body, out
local pool = {} -- item paths of created records not yet deleted
local cap = 64
local cycle = {"list", "create", "item", "list", "patch", "read", "list", "create", "patch", "delete"}
local step, next_list, next_item, next_collection, made = 0, 0, 0, 0, 0
local second, answered, refused = 0, 0, 0

local function lines(name)
  local found = {}
  for line in io.lines(name) do
    if #line > 0 then found[#found + 1] = line end
  end
  return found
end

function init(args)
  lists, items, collections = lines(args[1]), lines(args[2]), lines(args[3])
  local file = assert(io.open(args[4], "rb"))
  body = file:read("*a")
  file:close()
  out = assert(io.open(args[5], "a"))
  if args[6] then cap = tonumber(args[6]) end
  wrk.headers["Authorization"] = "Api-Key bench"
  wrk.headers["Content-Type"] = "application/json"
end

local function rotate(list, at)
  at = at % #list + 1
  return at, list[at]
end

function request()
  step = step % #cycle + 1
  local action = cycle[step]
  if action == "create" and #pool >= cap then action = "delete" end
  if (action == "patch" or action == "read" or action == "delete") and #pool == 0 then
    action = "create"
  end
  local path
  if action == "list" then
    next_list, path = rotate(lists, next_list)
    return wrk.format("GET", path)
  elseif action == "item" then
    next_item, path = rotate(items, next_item)
    return wrk.format("GET", path)
  elseif action == "create" then
    next_collection, path = rotate(collections, next_collection)
    made = made + 1
    local named = body:gsub("__NAME__", "soak-" .. next_collection .. "-" .. made)
    return wrk.format("POST", path, nil, named)
  elseif action == "delete" then
    return wrk.format("DELETE", table.remove(pool, 1)) -- the oldest
  end
  path = pool[#pool - (step % #pool)]
  if action == "read" then return wrk.format("GET", path) end
  return wrk.format("PATCH", path, nil, '{"description": "revised ' .. made .. '"}')
end

function response(status, headers, answer)
  local now = os.time()
  if now ~= second then
    if second ~= 0 then
      out:write(second, " ", answered, " ", refused, "\n")
      out:flush()
    end
    second, answered, refused = now, 0, 0
  end
  answered = answered + 1
  if status >= 400 then refused = refused + 1 end
  if status == 201 then
    local collection = answer:match('"name"%s*:%s*"soak%-(%d+)%-')
    local id = answer:match('"id"%s*:%s*(%d+)')
    if collection and id then
      pool[#pool + 1] = collections[tonumber(collection)] .. id .. "/"
    end
  end
end
