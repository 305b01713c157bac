-- sandbox.lua - a test show (tests/test_show.c) that loads only when the
-- sandbox is what it should be: the vetted library is there, the dangerous
-- parts are not, load() takes text only, require stays in its folders.
show { name = "Sandbox" }

-- what must not be there
assert(io == nil and debug == nil and package == nil, "io/debug/package visible")
assert(dofile == nil and loadfile == nil and loadstring == nil, "file loaders visible")
assert(os.execute == nil and os.exit == nil and os.remove == nil and os.rename == nil
       and os.getenv == nil and os.tmpname == nil, "dangerous os functions visible")
assert(_G == _ENV and rawget(_G, "_G") == _G, "_G is not the sandbox")

-- what must be there
assert(type(os.time()) == "number" and os.clock() >= 0 and os.date("%Y") and os.difftime(2, 1) == 1)
assert(string.format("%d", 42) == "42" and ("abc"):upper() == "ABC")
assert(table.concat({ 1, 2 }, ",") == "1,2" and math.floor(2.5) == 2 and utf8.char(72) == "H")
assert(select("#", 1, 2, 3) == 3 and tonumber("0x10") == 16 and rawlen({ 1, 2 }) == 2)
assert(collectgarbage("count") > 0)
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
assert(co(1) == 2 and co(5) == 10)

-- load: text chunks run in the sandbox; binary ones are refused loudly
assert(load("return 1 + 1")() == 2)
assert(load("return io")() == nil, "load() escaped the sandbox env")
local ok, err = pcall(load, string.dump(function() end))
assert(not ok and err:find("binary chunks are not allowed"), tostring(err))

-- pcall and xpcall still catch ordinary errors; handlers run
ok, err = pcall(error, "plain")
assert(not ok and err == "plain")
ok, err = xpcall(error, function(m) return "handled " .. m end, "oops")
assert(not ok and err == "handled oops", tostring(err))
ok, err = pcall(error, { code = 7 })
assert(not ok and type(err) == "table" and err.code == 7)

-- metatables, but no finalizers
assert(getmetatable(setmetatable({}, { __index = { x = 1 } })).__index.x == 1)
ok, err = pcall(setmetatable, {}, { __gc = function() end })
assert(not ok and err:find("__gc"), tostring(err))

-- require: the show's folder (dots -> slashes), cached; nothing outside
local util = require "lib.util"
assert(util.half == 0.5 and require("lib.util") == util)
for _, name in ipairs({ "../x", "/etc/passwd", "lib..util", ".hidden", "a/../b" }) do
  ok, err = pcall(require, name)
  assert(not ok and err:find("not allowed", 1, true), name .. ": " .. tostring(err))
end
ok, err = pcall(require, "lib.missing")
assert(not ok and err:find("module not found", 1, true), tostring(err))

-- collectgarbage does nothing else
ok, err = pcall(collectgarbage, "stop")
assert(not ok, "collectgarbage(\"stop\") allowed")

-- require finds a module once, however its name is written
local counted = require "lib.counted"
assert(require("lib/counted") == counted and counted.loads == 1 and counted_loads == 1)

-- strings have the sandbox's own metatable, hidden; the string library is
-- read-only: nothing a show does changes ("x"):upper() for anyone
assert(getmetatable("") == false, "the string metatable is visible")
ok, err = pcall(function() string.upper = function() return "evil" end end)
assert(not ok and err:find("sandbox.lua:%d+: the string library is read%-only"), tostring(err))
ok, err = pcall(function() string.evil = true end)
assert(not ok and err:find("read%-only"), tostring(err))
rawset(string, "upper", function() return "evil" end)   -- this env's own field
assert(("x"):upper() == "X", "string methods changed by the show")
rawset(string, "upper", nil)
assert(string.upper("x") == "X" and ("10" + 1) == 11 and #string.format("%5s", "") == 5)
local names = {}
for k in pairs(string) do names[#names + 1] = k end
assert(#names > 10, "pairs(string) is empty")

-- the library functions that loop in C work as the standard ones
assert(string.rep("", math.maxinteger) == "" and ("ab"):rep(3, ",") == "ab,ab,ab")
assert(("x"):rep(0) == "" and ("x"):rep(1, "-") == "x" and ("abc"):rep(2) == "abcabc")
local list = { 1, 2, 3 }
table.insert(list, 1, 0)
table.insert(list, 5)
assert(table.concat(list, ",") == "0,1,2,3,5" and table.remove(list, 1) == 0)
assert(table.concat(table.move(list, 1, 2, 3), ",") == "1,2,1,2")
assert(select("#", table.unpack({ 1, nil, 3 }, 1, 3)) == 3)
assert(("key = value"):match("^(%w+)%s*=%s*(%w+)$") == "key")
assert(select(2, ("hello world"):gsub("o", "0")) == 2)

-- errors from the sandbox's own functions name the line they come from
ok, err = pcall(setmetatable, 1, {})
assert(not ok and err:find("^.-sandbox%.lua:%d+: bad argument #1 to 'setmetatable'"), tostring(err))
ok, err = pcall(pcall)
assert(not ok and err:find("^.-sandbox%.lua:%d+: bad argument #1 to 'pcall'"), tostring(err))
ok, err = pcall(coroutine.resume, 1)
assert(not ok and err:find("^.-sandbox%.lua:%d+: bad argument #1 to 'resume'"), tostring(err))
ok, err = pcall(setmetatable, setmetatable({}, { __metatable = "mine" }), {})
assert(not ok and err:find("^.-sandbox%.lua:%d+: setmetatable: cannot change a protected"), tostring(err))

-- a chunk name given to load() is a label, never another file
ok, err = pcall(load("error('boom')", "=/etc/shadow"))
assert(err == '[string "/etc/shadow"]:1: boom', tostring(err))
local f, msg = load("x =", "@/etc/passwd")
assert(f == nil and msg:find('^%[string "/etc/passwd"%]:1:'), tostring(msg))
f, msg = load("x =", '=a"]:9: forged\nline')
assert(f == nil and msg:find('^%[string "a%?%?%?9%? forged"%]:1:'), tostring(msg))
ok, err = pcall(load("error('x')"))
assert(err == [=[[string "error('x')"]:1: x]=], tostring(err))

print("sandbox.lua: all checks passed")
