v = 5
variable "v" {}
locals {
  m = { a = 1, b = 2 }
  l = [for k, v in local.m : "${k}${v}"]
}
module "c" {
  source = "./mod"
  for_each = local.m
  v = each.value + var.v
}
resource "aws_instance" "i" {
  count = 2
  tags = merge(local.m, { Name = "web-${count.index}", o = module.c["a"].o[0] })
  dynamic "ebs_block_device" {
    for_each = toset(["a", "b"])
    content { device_name = ebs_block_device.key }
  }
}
resource "x" "f" {
  v = [cidrsubnet("10.0.0.0/16", 8, 2), format("%s-%03d", "a", 1), jsonencode(local.m), try(local.m.z, 1)]
  w = templatefile("t.tpl", {})
  c = aws_instance.i[0].id
}
