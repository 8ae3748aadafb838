# comment
resource "aws_s3_bucket" "b" {
  bucket = "x-${var.a}"
  tags   = { Name = "n", (var.k) = 1, "q" : 2 }
  versioning {
    enabled = true
  }
  dynamic "rule" {
    for_each = var.rules
    content { v = rule.value }
  }
}
locals { a = 1 }
