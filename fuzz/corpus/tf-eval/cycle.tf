
locals {
  a = local.b
  b = local.a
}
resource "x" "y" { v = local.a }
