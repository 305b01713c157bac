-- counted.lua - a module for shows/test/sandbox.lua that counts how often
-- it runs: require "lib.counted" and require "lib/counted" are one module.
counted_loads = (counted_loads or 0) + 1
return { loads = counted_loads }
