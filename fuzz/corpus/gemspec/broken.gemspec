spec.name = 'x'
spec.version = '1'
spec.license = "MIT
