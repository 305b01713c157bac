-- checks: table.move charges the elements it moves to the budget (it once ran for days in one call). expect line 4: instruction budget exhausted
show { name = "table.move" }
output { "o", type = "sacn", universes = {1} }
table.move({}, 1, 1e15, 1, {})
