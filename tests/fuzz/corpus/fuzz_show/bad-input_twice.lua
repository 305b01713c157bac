-- checks: the same input universe declared twice. expect line 5: input 5: declared twice (first at line 4)
show { name = "Input" }
output { "o", type = "sacn", universes = {1} }
input { 5, merge_into = 1 }
input { universe = 5 }
