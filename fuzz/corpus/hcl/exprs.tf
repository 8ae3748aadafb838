a = 1 + 2 * 3 == 7 && !false || x ? "y" : "z"
b = [for k, v in m : upper(v) if k != "x"]
c = {for s in l : s.k => s.v... if s.ok}
d = aws_instance.w[*].id
e = aws_instance.w.*.tags.Name
f = f(a, b...)
g = var.m["k"][0].x
h = <<-EOT
  %{ for x in xs ~}
  ${x}
  %{~ endfor }
  %{if c}yes%{else}no%{endif}
  EOT
i = "\u00e9\t$${lit}"
