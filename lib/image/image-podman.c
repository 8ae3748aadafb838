/* image-podman.c - `podman:NAME`: export the image from the local podman
 * store as an OCI archive into a private temporary directory (podman image
 * save, run with fork/execvp and an argv array, never a shell) and scan it. */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool podman_found(void)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (n && snprintf(buf, sizeof(buf), "%.*s/podman", (int)n, path) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return true;
		path += n + (c ? 1 : 0);
	}
	return false;
}

int mmr_image_scan_podman(struct mmr_report *r, const char *name, const struct mmr_scan_opts *o,
			  const char *cache_dir, struct mmr_error *reterr)
{
	char dir[4096], file[4200];
	const char *tmp = secure_getenv("TMPDIR");
	int e, status = 0;

	if (!*name || name[0] == '-')
		return mmr_error_set(reterr, EINVAL, name, 0, 0,
				     "invalid podman image name (empty or starting with '-')");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return mmr_error_set(reterr, EINVAL, "", 0, 0,
					     "invalid podman image name (control character)");
	if (!podman_found())
		return mmr_error_set(reterr, ENOTSUP, name, 0, 0, "podman is not installed");
	snprintf(dir, sizeof(dir), "%s/mamori-podman-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return mmr_error_set(reterr, errno, dir, 0, 0, "cannot create a temporary directory: %s",
				     strerror(errno));
	snprintf(file, sizeof(file), "%s/image.tar", dir);

	pid_t pid = fork();
	if (pid < 0) {
		e = mmr_error_set(reterr, errno, name, 0, 0, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		char *const argv[] = { (char *)"podman", (char *)"image", (char *)"save",
				       (char *)"--format", (char *)"oci-archive", (char *)"-o",
				       file, (char *)"--", (char *)name, NULL };
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
		}
		execvp("podman", argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			e = mmr_error_set(reterr, errno, name, 0, 0, "waitpid: %s", strerror(errno));
			goto out;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		e = mmr_error_set(reterr, ENOENT, name, 0, 0,
				  "podman image save failed (exit status %d)",
				  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	e = mmr_image_scan_archive(r, file, o, cache_dir, reterr);
out:
	unlink(file);
	rmdir(dir);
	return e;
}
