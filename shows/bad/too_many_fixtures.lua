-- checks: fixtures are capped (200k patch{} took minutes in linear scans). expect line 5: patch "d1025": a show may have at most 524288 fixtures
show { name = "Too many fixtures" }
output { "o", type = "sacn", universes = {1} }
for u = 1, 1100 do
  patch { "d" .. u, type = "generic/dimmer", universe = u, address = 1, count = 512 }
end
