#!/usr/bin/env python3
"""Turn a rules file into a C source defining mmr_secret_builtin_toml()."""
import sys

src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s by secret-embed.py */\n' % src.split('/')[-1])
    f.write('#include <stddef.h>\n')
    f.write('const char *mmr_secret_builtin_toml(size_t *ret_len);\n')
    f.write('static const char text[%d] = {\n' % (len(data) + 1))
    for i in range(0, len(data), 16):
        f.write(''.join('%d,' % b for b in data[i:i + 16]) + '\n')
    f.write('0 };\n')
    f.write('const char *mmr_secret_builtin_toml(size_t *ret_len)\n{\n')
    f.write('\tif (ret_len)\n\t\t*ret_len = sizeof(text) - 1;\n\treturn text;\n}\n')
