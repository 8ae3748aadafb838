/* fuzz-rt-passwd: a container's /etc/passwd as the agent reads it for
 * user.name (mmr_rt_passwd_name). The first 4 bytes are the uid looked up. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "runtime/runtime-proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t uid;
	memcpy(&uid, data, 4);
	char name[32], tiny[2];
	(void)mmr_rt_passwd_name((const char *)data + 4, size - 4, uid, name, sizeof(name));
	(void)mmr_rt_passwd_name((const char *)data + 4, size - 4, uid % 1000, tiny, sizeof(tiny));
	return 0;
}
