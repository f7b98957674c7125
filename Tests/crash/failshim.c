/*
 * failshim: an LD_PRELOAD library that makes one chosen call that writes to the file system
 * fail, to check what `capacity` does when a write, an fsync, a rename or a truncation fails.
 *
 * Built by the tests with `cc -shared -fPIC -o failshim.so failshim.c -ldl`.
 *
 * Every call of the kinds named in FAILSHIM_OPS is counted, in the order the process makes
 * them (from any thread):
 *
 *   write      write, writev
 *   pwrite     pwrite, pwrite64, pwritev, pwritev64
 *   fsync      fsync, fdatasync
 *   rename     rename, renameat, renameat2
 *   ftruncate  ftruncate, ftruncate64, truncate, truncate64
 *   close      close
 *
 * Environment:
 *
 *   FAILSHIM_OPS    the kinds counted, comma-separated (default write,pwrite,fsync,rename,ftruncate)
 *   FAILSHIM_N      the counted call that fails, from 1 (0 or unset: none fails; calls are counted)
 *   FAILSHIM_ERRNO  EIO (default), ENOSPC, EDQUOT, EFBIG, or a number
 *   FAILSHIM_MODE   once (default): only call N fails; sticky: call N and every counted call
 *                   after it fail (a device that has gone away)
 *   FAILSHIM_PATHS  when set, only calls on files whose path starts with this prefix are
 *                   counted (for rename, either name); writes to pipes and terminals are not
 *   FAILSHIM_LOG    a file to which a line is appended for every counted call:
 *                   "N KIND FUNCTION FD PATH ok|FAIL" (FD -1 for calls that take names;
 *                   a rename's PATH is "FROM -> TO")
 *
 * A failed call does nothing and returns -1 with errno set, as the system call would when the
 * device fails before anything reaches it. (A real short write, some bytes written and then an
 * error, is also possible; the writer under test retries a short write and so meets the error
 * on the next call, which this reproduces.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { K_WRITE = 1, K_PWRITE = 2, K_FSYNC = 4, K_RENAME = 8, K_TRUNCATE = 16, K_CLOSE = 32 };

static int kinds = -1;
static long fail_at;
static int fail_errno = EIO;
static int sticky;
static const char *prefix;
static size_t prefix_len;
static int log_fd = -1;
static long counter;

static void setup(void) {
    if (kinds != -1) return;
    const char *ops = getenv("FAILSHIM_OPS");
    if (!ops || !*ops) ops = "write,pwrite,fsync,rename,ftruncate";
    int k = 0;
    if (strstr(ops, "pwrite")) k |= K_PWRITE;
    /* "write" alone, not the one inside "pwrite" */
    for (const char *p = ops; (p = strstr(p, "write")) != NULL; p += 5)
        if (p == ops || p[-1] == ',') k |= K_WRITE;
    if (strstr(ops, "fsync")) k |= K_FSYNC;
    if (strstr(ops, "rename")) k |= K_RENAME;
    if (strstr(ops, "truncate")) k |= K_TRUNCATE;
    if (strstr(ops, "close")) k |= K_CLOSE;
    const char *n = getenv("FAILSHIM_N");
    fail_at = n ? atol(n) : 0;
    const char *e = getenv("FAILSHIM_ERRNO");
    if (e && *e) {
        if (!strcmp(e, "EIO")) fail_errno = EIO;
        else if (!strcmp(e, "ENOSPC")) fail_errno = ENOSPC;
        else if (!strcmp(e, "EDQUOT")) fail_errno = EDQUOT;
        else if (!strcmp(e, "EFBIG")) fail_errno = EFBIG;
        else fail_errno = atoi(e);
    }
    const char *m = getenv("FAILSHIM_MODE");
    sticky = m && !strcmp(m, "sticky");
    prefix = getenv("FAILSHIM_PATHS");
    if (prefix && !*prefix) prefix = NULL;
    prefix_len = prefix ? strlen(prefix) : 0;
    const char *log = getenv("FAILSHIM_LOG");
    /* Opened with the system call itself: nothing here is counted. */
    if (log && *log) log_fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    __atomic_store_n(&kinds, k, __ATOMIC_RELEASE);
}

static void fd_path(int fd, char *out, size_t size) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    if (n < 0) n = 0;
    out[n] = 0;
}

static void at_path(int dirfd, const char *name, char *out, size_t size) {
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        if (name[0] == '/') snprintf(out, size, "%s", name);
        else {
            char cwd[4096];
            if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
            snprintf(out, size, "%s/%s", cwd, name);
        }
    } else {
        char dir[4096];
        fd_path(dirfd, dir, sizeof dir);
        snprintf(out, size, "%s/%s", dir, name);
    }
}

/* Whether this call fails; counts it and logs it when its kind is counted. */
static int should_fail(int kind, const char *function, int fd, const char *path, const char *path2) {
    setup();
    if (!(kinds & kind)) return 0;
    if (prefix && strncmp(path, prefix, prefix_len) != 0 && !(path2 && strncmp(path2, prefix, prefix_len) == 0)) return 0;
    long n = __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
    int fail = fail_at > 0 && (n == fail_at || (sticky && n > fail_at));
    if (log_fd >= 0) {
        char line[8400];
        const char *name = kind == K_WRITE ? "write" : kind == K_PWRITE ? "pwrite" : kind == K_FSYNC ? "fsync"
                         : kind == K_RENAME ? "rename" : kind == K_TRUNCATE ? "ftruncate" : "close";
        int len = snprintf(line, sizeof line, "%ld %s %s %d %s%s%s %s\n", n, name, function, fd, path, path2 ? " -> " : "",
                           path2 ? path2 : "", fail ? "FAIL" : "ok");
        if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
        syscall(SYS_write, log_fd, line, (size_t)len);
    }
    return fail;
}

static int fd_fails(int kind, const char *function, int fd) {
    char path[4096];
    fd_path(fd, path, sizeof path);
    return should_fail(kind, function, fd, path, NULL);
}

#define REAL(ret, name, ...) \
    static ret (*real)(__VA_ARGS__); \
    if (!real) real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(ssize_t, "write", int, const void *, size_t);
    if (fd_fails(K_WRITE, "write", fd)) { errno = fail_errno; return -1; }
    return real(fd, buf, count);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
    REAL(ssize_t, "writev", int, const struct iovec *, int);
    if (fd_fails(K_WRITE, "writev", fd)) { errno = fail_errno; return -1; }
    return real(fd, iov, iovcnt);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
    if (fd_fails(K_PWRITE, "pwrite", fd)) { errno = fail_errno; return -1; }
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    REAL(ssize_t, "pwrite64", int, const void *, size_t, off64_t);
    if (fd_fails(K_PWRITE, "pwrite64", fd)) { errno = fail_errno; return -1; }
    return real(fd, buf, count, offset);
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset) {
    REAL(ssize_t, "pwritev", int, const struct iovec *, int, off_t);
    if (fd_fails(K_PWRITE, "pwritev", fd)) { errno = fail_errno; return -1; }
    return real(fd, iov, iovcnt, offset);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off64_t offset) {
    REAL(ssize_t, "pwritev64", int, const struct iovec *, int, off64_t);
    if (fd_fails(K_PWRITE, "pwritev64", fd)) { errno = fail_errno; return -1; }
    return real(fd, iov, iovcnt, offset);
}

int fsync(int fd) {
    REAL(int, "fsync", int);
    if (fd_fails(K_FSYNC, "fsync", fd)) { errno = fail_errno; return -1; }
    return real(fd);
}

int fdatasync(int fd) {
    REAL(int, "fdatasync", int);
    if (fd_fails(K_FSYNC, "fdatasync", fd)) { errno = fail_errno; return -1; }
    return real(fd);
}

int ftruncate(int fd, off_t length) {
    REAL(int, "ftruncate", int, off_t);
    if (fd_fails(K_TRUNCATE, "ftruncate", fd)) { errno = fail_errno; return -1; }
    return real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
    REAL(int, "ftruncate64", int, off64_t);
    if (fd_fails(K_TRUNCATE, "ftruncate64", fd)) { errno = fail_errno; return -1; }
    return real(fd, length);
}

int truncate(const char *path, off_t length) {
    REAL(int, "truncate", const char *, off_t);
    char full[4096];
    at_path(AT_FDCWD, path, full, sizeof full);
    if (should_fail(K_TRUNCATE, "truncate", -1, full, NULL)) { errno = fail_errno; return -1; }
    return real(path, length);
}

int truncate64(const char *path, off64_t length) {
    REAL(int, "truncate64", const char *, off64_t);
    char full[4096];
    at_path(AT_FDCWD, path, full, sizeof full);
    if (should_fail(K_TRUNCATE, "truncate64", -1, full, NULL)) { errno = fail_errno; return -1; }
    return real(path, length);
}

int rename(const char *from, const char *to) {
    REAL(int, "rename", const char *, const char *);
    char a[4096], b[4096];
    at_path(AT_FDCWD, from, a, sizeof a);
    at_path(AT_FDCWD, to, b, sizeof b);
    if (should_fail(K_RENAME, "rename", -1, a, b)) { errno = fail_errno; return -1; }
    return real(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to) {
    REAL(int, "renameat", int, const char *, int, const char *);
    char a[4096], b[4096];
    at_path(fromdir, from, a, sizeof a);
    at_path(todir, to, b, sizeof b);
    if (should_fail(K_RENAME, "renameat", -1, a, b)) { errno = fail_errno; return -1; }
    return real(fromdir, from, todir, to);
}

int renameat2(int fromdir, const char *from, int todir, const char *to, unsigned int flags) {
    REAL(int, "renameat2", int, const char *, int, const char *, unsigned int);
    char a[4096], b[4096];
    at_path(fromdir, from, a, sizeof a);
    at_path(todir, to, b, sizeof b);
    if (should_fail(K_RENAME, "renameat2", -1, a, b)) { errno = fail_errno; return -1; }
    return real(fromdir, from, todir, to, flags);
}

int close(int fd) {
    REAL(int, "close", int);
    if (kinds == -1 || (kinds & K_CLOSE)) {
        if (fd_fails(K_CLOSE, "close", fd)) {
            /* A failed close still releases the descriptor on Linux. */
            real(fd);
            errno = fail_errno;
            return -1;
        }
    }
    return real(fd);
}
