#ifndef CLIBEDIT_SHIM_H
#define CLIBEDIT_SHIM_H

/*
 * Swift cannot call C variadic functions, and libedit's el_set, el_get and
 * history are variadic. These static inline wrappers fix one signature per
 * use, so the Swift side calls plain functions.
 */
#include <stdio.h>
#include <locale.h>
#include <langinfo.h>
#include <signal.h>
#include <histedit.h>

static inline FILE *ccap_stdin(void) { return stdin; }
static inline FILE *ccap_stdout(void) { return stdout; }
static inline FILE *ccap_stderr(void) { return stderr; }

typedef char *(*ccap_prompt_fn)(EditLine *);
typedef unsigned char (*ccap_command_fn)(EditLine *, int);

static inline int ccap_el_set_prompt(EditLine *el, ccap_prompt_fn fn) { return el_set(el, EL_PROMPT, fn); }
static inline int ccap_el_set_rprompt(EditLine *el, ccap_prompt_fn fn) { return el_set(el, EL_RPROMPT, fn); }
static inline int ccap_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int ccap_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int ccap_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int ccap_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *ccap_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int ccap_el_addfn(EditLine *el, const char *name, const char *help, ccap_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int ccap_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, NULL);
}
static inline int ccap_el_source_default(EditLine *el) { return el_source(el, NULL); }

static inline int ccap_history_setsize(History *h, int size) {
    HistEvent ev;
    return history(h, &ev, H_SETSIZE, size);
}
static inline int ccap_history_setunique(History *h, int on) {
    HistEvent ev;
    return history(h, &ev, H_SETUNIQUE, on);
}
static inline int ccap_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}
static inline int ccap_history_load(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_LOAD, path);
}
static inline int ccap_history_save(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_SAVE, path);
}
static inline int ccap_history_count(History *h) {
    HistEvent ev;
    if (history(h, &ev, H_GETSIZE) < 0) return 0;
    return ev.num;
}

/* Return codes of editor commands, as plain ints for Swift. */
static const unsigned char ccap_cc_refresh = CC_REFRESH;
static const unsigned char ccap_cc_redisplay = CC_REDISPLAY;
static const unsigned char ccap_cc_refresh_beep = CC_REFRESH_BEEP;
static const unsigned char ccap_cc_norm = CC_NORM;
#endif
