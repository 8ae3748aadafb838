/* image-podman.c - `podman:NAME`: an image from the local podman store.
 *
 * `podman image inspect` tells the image's ID, tags and manifest type; the
 * image is then exported with `podman image save` in its own format
 * (docker-archive for Docker manifests, oci-archive for OCI ones, so the
 * config — and with it the image ID — is not re-encoded) into a private
 * temporary directory and scanned like any archive. podman runs through
 * fork/execvp with an argv array, never a shell: the name is user data.
 * Its stdout and stderr are captured (bounded); its last error line goes
 * into our message. */
#include "image/image.h"
#include "core/core-buf.h"
#include "core/core-json.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PODMAN_OUT_MAX (16u << 20)
#define PODMAN_ERR_MAX (64u << 10)

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

/* Run podman with argv; capture stdout into out and stderr into err (both
 * capped: past the cap the rest is read and dropped). Returns the exit
 * status (0..255), or -errno. */
static int run_podman(char *const argv[], struct mmr_buf *out, struct mmr_buf *err)
{
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int e = -errno;
		close(po[0]);
		close(po[1]);
		return e;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		return e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execvp("podman", argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	struct mmr_buf *bufs[2] = { out, err };
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[8192];
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				(void)mmr_buf_add(bufs[i], chunk, (size_t)n); /* over the cap: dropped */
			} else if (n == 0 || errno != EINTR) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* The last non-empty line of podman's stderr, for messages. */
static const char *last_line(struct mmr_buf *b)
{
	while (b->len && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r'))
		b->p[--b->len] = 0;
	char *nl = strrchr(b->p, '\n');
	return nl ? nl + 1 : b->p;
}

int mmr_image_scan_podman(struct mmr_report *r, const char *name, const struct mmr_scan_opts *o,
			  const char *cache_dir, struct mmr_error *reterr)
{
	char dir[4096], file[4200];
	const char *tmp = secure_getenv("TMPDIR");
	struct mmr_buf out, err;
	json_t *inspect = NULL;
	int e;

	if (!*name || name[0] == '-')
		return mmr_error_set(reterr, EINVAL, name, 0, 0,
				     "invalid podman image name (empty or starting with '-')");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return mmr_error_set(reterr, EINVAL, "", 0, 0,
					     "invalid podman image name (control character)");
	if (!podman_found())
		return mmr_error_set(reterr, ENOTSUP, name, 0, 0, "podman is not installed");

	mmr_buf_init(&out, PODMAN_OUT_MAX);
	mmr_buf_init(&err, PODMAN_ERR_MAX);
	char *const inspect_argv[] = { (char *)"podman", (char *)"image", (char *)"inspect",
				       (char *)"--", (char *)name, NULL };
	e = run_podman(inspect_argv, &out, &err);
	if (e != 0) {
		e = e < 0 ? mmr_error_set(reterr, -e, name, 0, 0, "cannot run podman: %s", strerror(-e)) :
			    mmr_error_set(reterr, ENOENT, name, 0, 0, "podman image inspect failed: %s",
					  last_line(&err));
		goto done;
	}
	if (mmr_json_parse(out.p, out.len, "podman image inspect", &inspect, reterr) < 0 ||
	    !json_is_array(inspect) || !json_is_object(json_array_get(inspect, 0))) {
		e = mmr_error_set(reterr, EBADMSG, name, 0, 0, "unexpected podman image inspect output");
		goto done;
	}
	json_t *info = json_array_get(inspect, 0);
	const char *mtype = mmr_json_str(info, "ManifestType");
	bool docker = mtype && strstr(mtype, "docker") != NULL;

	snprintf(dir, sizeof(dir), "%s/mamori-podman-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		e = mmr_error_set(reterr, errno, dir, 0, 0, "cannot create a temporary directory: %s",
				  strerror(errno));
		goto done;
	}
	snprintf(file, sizeof(file), "%s/image.tar", dir);
	mmr_buf_reset(&out);
	mmr_buf_reset(&err);
	char *const save_argv[] = { (char *)"podman", (char *)"image", (char *)"save", (char *)"--quiet",
				    (char *)"--format", (char *)(docker ? "docker-archive" : "oci-archive"),
				    (char *)"-o", file, (char *)"--", (char *)name, NULL };
	e = run_podman(save_argv, &out, &err);
	if (e != 0) {
		e = e < 0 ? mmr_error_set(reterr, -e, name, 0, 0, "cannot run podman: %s", strerror(-e)) :
			    mmr_error_set(reterr, ENOENT, name, 0, 0, "podman image save failed: %s",
					  last_line(&err));
	} else {
		e = mmr_image_scan_archive(r, file, o, cache_dir, reterr);
	}
	unlink(file);
	rmdir(dir);
	if (e < 0)
		goto done;

	/* the store's own names for the image: its tags and repo digests */
	r->asset.repo_tags = (struct mmr_vec){ 0 };
	r->asset.repo_digests = (struct mmr_vec){ 0 };
	size_t i;
	json_t *v;
	json_array_foreach(mmr_json_arr(info, "RepoTags"), i, v)
	{
		if (json_is_string(v))
			mmr_vec_push(r->arena, &r->asset.repo_tags,
				     mmr_arena_strdup(r->arena, json_string_value(v)));
	}
	json_array_foreach(mmr_json_arr(info, "RepoDigests"), i, v)
	{
		if (json_is_string(v))
			mmr_vec_push(r->arena, &r->asset.repo_digests,
				     mmr_arena_strdup(r->arena, json_string_value(v)));
	}
done:
	json_decref(inspect);
	mmr_buf_release(&out);
	mmr_buf_release(&err);
	return e;
}
