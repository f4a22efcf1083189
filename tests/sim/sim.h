/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * ichip-sim: a Connect One iChip / W24 module simulator speaking AT+i on
 * a pty (or a real tty).  One process, one module, one poll loop; every
 * source file owns one concern and this header ties them together.
 */
#ifndef ICHIP_SIM_H
#define ICHIP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef uint8_t u8;
typedef uint64_t u64;

#define SIM_LINE_MAX		2048	/* command text without CR */
#define SIM_CLIENT_SOCKS	10	/* handles 0..9 */
#define SIM_SSL_SSND_MAX	2048	/* SSL / checksum-mode SSND limit */
#define SIM_RX_MAX_DEFAULT	16384	/* module input buffer per socket */
#define SIM_RX_MAX_LIMIT	32768	/* must fit the host framer */
#define SIM_CA_MAX_DEFAULT	1300
#define SIM_PEM_MAX		16384	/* hard bound for any PEM value */
#define SIM_NSEC		1000000000LL

/* ---- options.c ---- */
enum sim_hangup_action { SIM_HANGUP_EXIT, SIM_HANGUP_REOPEN };
/* What the module answers to an empty command line. */
enum sim_blank { SIM_BLANK_IGNORE, SIM_BLANK_OK, SIM_BLANK_ERROR };
/* Flow control while FLW bit 0 is clear (set: RTS/CTS). */
enum sim_flow { SIM_FLOW_NONE, SIM_FLOW_SOFT, SIM_FLOW_HARD };

struct sim_opts {
	const char *tty;		/* use this tty instead of a pty */
	const char *pty_link;		/* symlink to the slave */
	const char *pty_file;		/* file holding the slave path */
	const char *state;		/* nonvolatile store */
	const char *trace;		/* command trace */
	const char *control;		/* unix control socket */
	const char *firmware;
	const char *serial;
	const char *banner;
	bool echo;
	bool verbose;
	/* the points at-plus-i.md §7 leaves open, and the lab profile */
	bool lab;			/* --profile lab: the old model */
	bool echo_payload;		/* SSND payload bytes echoed */
	bool rp_trailer;		/* I/OK after the RP4/RP7 list */
	bool srcv_crlf;			/* CR LF after the SRCV stream */
	bool ca_end_cr;			/* CA value ends at one more CR */
	enum sim_blank blank;
	unsigned int handle_width;	/* zero-padded handles: 3 */
	bool error_space;		/* I/ERROR (nnn), else I/ERROR(nnn) */
	enum sim_flow flow;
	u8 flow_wait, flow_cont;	/* WAIT / CONTINUE bytes */
	unsigned int uart_buffer;	/* 0: unbounded (lab) */
	unsigned int uart_fifo;
	unsigned int stall_bytes;	/* module pause, in byte times, */
	unsigned int stall_every;	/* after this many SSND bytes */
	unsigned int flow_grace_ms;	/* forgiven host latency (pty) */
	unsigned long baud;		/* 0 = no throttle */
	unsigned int max_sockets;
	unsigned int ca_max;
	unsigned int rx_max;
	unsigned int connect_timeout_ms;
	unsigned int tls_timeout_ms;
	enum sim_hangup_action on_hangup;
	/* faults */
	double noise_rate;		/* bytes/s */
	double drop_prob;
	double corrupt_prob;
	unsigned int stall_ms, stall_every_ms;
	unsigned int reset_every_ms;
	unsigned int hangup_after_ms;
	unsigned int slow_ms;
	u64 seed;
	bool seed_set;
};

int sim_opts_parse(struct sim_opts *o, int argc, char **argv);

/* ---- log.c ---- */
void sim_log_init(const char *prog, bool verbose);
void sim_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sim_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sim_trace_open(const char *path);
void sim_trace_close(void);
/* dir '>' host to module, '<' module to host, '!' event */
void sim_trace_text(char dir, const char *text, size_t len);
void sim_trace_data(char dir, const char *head, const u8 *data, size_t len);
u64 sim_now_ns(void);

/* ---- params.c ---- */
enum sim_param_kind { SIM_P_STRING, SIM_P_NUMBER, SIM_P_BAUD, SIM_P_CERT,
		      SIM_P_KEY };

struct sim_param_def {
	const char *name;
	enum sim_param_kind kind;
	const char *def;		/* factory default */
	unsigned int min, max;		/* SIM_P_NUMBER */
	const char *allowed;		/* =? answer */
};

struct sim_param {
	const struct sim_param_def *def;
	char *value;			/* permanent (nonvolatile) value */
	char *temp;			/* ~ value for this session, or NULL */
};

struct sim_params {
	struct sim_param *p;
	size_t n;
	const char *state_path;
	unsigned int ca_max;
};

int sim_params_init(struct sim_params *ps, const char *state_path,
		    unsigned int ca_max);
void sim_params_free(struct sim_params *ps);
struct sim_param *sim_param_find(struct sim_params *ps, const char *name);
const char *sim_param_get(struct sim_params *ps, const char *name);
int sim_params_save(struct sim_params *ps);
void sim_params_factory(struct sim_params *ps);
void sim_params_end_session(struct sim_params *ps);
/* Validate and store; returns 0 or a module error code. */
int sim_param_set(struct sim_params *ps, struct sim_param *p,
		  const char *value, bool temporary);
int sim_pem_check(enum sim_param_kind kind, const char *pem, size_t len,
		  unsigned int *bits);

/* ---- sim context ---- */
struct sim;
struct buf {
	u8 *d;
	size_t len, cap;
};
int buf_put(struct buf *b, const void *p, size_t n, size_t limit);
void buf_drop(struct buf *b, size_t n);
void buf_free(struct buf *b);

enum sim_sock_state {
	SOCK_FREE,
	SOCK_CONNECTING,	/* STCP reply pending */
	SOCK_HANDSHAKE,		/* SSL reply pending */
	SOCK_OPEN,
	SOCK_DOWN,		/* peer closed or error; err says which */
};

struct sim_sock {
	enum sim_sock_state state;
	int fd;
	int peer_fd;		/* --no-net: the far end of a socketpair */
	int err;		/* module error once down (203...) */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	struct buf rx;		/* bytes waiting for SRCV */
	struct buf tx;		/* bytes waiting for the host socket */
	struct buf last;	/* last SRCV payload, for !SRCV */
	u64 deadline_ns;	/* connect / handshake timeout */
	bool ssl;
	void *tls;		/* gnutls_session_t */
	void *tls_cred;		/* gnutls_certificate_credentials_t */
};

/* at-parser.c: byte state machine */
enum sim_parse_state {
	PARSE_LINE,		/* collecting a command line */
	PARSE_DATA,		/* counting SSND payload bytes */
	PARSE_PEM,		/* collecting a multi-line PEM value */
};

struct sim_parser {
	enum sim_parse_state st;
	char line[SIM_LINE_MAX + 1];
	size_t len;
	bool overflow;
	u64 last_byte_ns;
	u64 idle_before_ns;	/* silence before the current line */
	/* SSND */
	u64 data_left;
	u64 data_total;
	int data_hn;
	bool data_pct;
	int data_err;		/* error decided at header time */
	bool data_buffered;	/* SSL/UDP/checksum: keep whole stream */
	bool data_cksm;		/* 2 checksum bytes follow the stream */
	struct buf data;
	char data_head[64];	/* for the trace */
	u8 preview[16];
	size_t preview_len;
	/* PEM */
	char pem_name[16];
	bool pem_temp;
	bool pem_started;
	bool pem_overflow;
	bool pem_end_seen;	/* --ca-end cr: END line read */
	bool eat_eol;		/* a CR right after the END line */
	struct buf pem;
};

struct sim_faults {
	u64 next_stall_ns;
	u64 next_reset_ns;
	u64 hangup_ns;
	bool hangup_now;
	unsigned int ignore_ssnd;	/* SSND headers taken for junk */
};

struct sim_line;
struct sim_control;
struct pollfd;

struct sim {
	struct sim_opts *o;
	struct sim_params params;
	struct sim_parser ps;
	struct sim_sock sock[SIM_CLIENT_SOCKS];
	bool online;
	bool no_net;		/* fuzzing: sockets are local socketpairs */
	bool busy;		/* a command's reply is pending */
	int busy_hn;
	bool quit;
	int exit_code;
	u64 rng;
	/* output sink: the line, or a buffer for the fuzzer */
	void (*emit)(struct sim *s, const void *p, size_t n);
	void *emit_ctx;
	struct sim_line *line;
	struct sim_faults faults;
	struct sim_control *control;
};

/* line.c: the serial side, with the byte-level faults */
struct sim_line *sim_line_open(struct sim *s);
void sim_line_close(struct sim_line *l, bool unlink_paths);
const char *sim_line_path(struct sim_line *l);
void sim_line_emit(struct sim *s, const void *p, size_t n);
int sim_line_pollfd(struct sim_line *l, struct pollfd *pfd,
		    u64 *timeout_ns, u64 now);
/* Move bytes; returns -1 when the line is gone. */
int sim_line_io(struct sim *s, short revents, u64 now);
/* Pending host input for the parser. */
void sim_line_consume(struct sim *s, u64 now);
void sim_line_discard_output(struct sim_line *l);
void sim_line_set_baud(struct sim_line *l, unsigned long baud);
void sim_line_set_noise(struct sim_line *l, double rate);
void sim_line_set_drop(struct sim_line *l, double prob);
void sim_line_set_corrupt(struct sim_line *l, double prob);
void sim_line_set_slow(struct sim_line *l, unsigned int ms);
void sim_line_stall(struct sim_line *l, unsigned int ms, u64 now);
void sim_line_status(struct sim_line *l, char *buf, size_t cap);

/* faults.c: timed faults and module-level fault actions */
void sim_faults_init(struct sim *s, u64 now);
void sim_faults_timers(struct sim *s, u64 now, u64 *timeout_ns);
void sim_hangup(struct sim *s);

/* control.c */
int sim_control_open(struct sim *s, const char *path);
void sim_control_close(struct sim *s);
int sim_control_pollfds(struct sim *s, struct pollfd *pfd);
void sim_control_event(struct sim *s, struct pollfd *pfd, int n);

/* core.c: module state without any I/O, shared with the fuzzer */
int sim_core_init(struct sim *s, struct sim_opts *o);
void sim_core_free(struct sim *s);

/* reply.c */
void sim_emit(struct sim *s, const void *p, size_t n);
void sim_reply_line(struct sim *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_reply_ok(struct sim *s);
void sim_reply_err(struct sim *s, int code);
void sim_reply_raw_line(struct sim *s, const char *text, size_t len);

/* at-parser.c */
void sim_parser_init(struct sim_parser *ps);
void sim_parser_reset(struct sim *s);
/* Feed host bytes; stops early (returns bytes used) when a reply pends. */
size_t sim_parser_feed(struct sim *s, const u8 *p, size_t n, u64 now);

/* commands.c */
struct sim_cmd {
	char flag;		/* 0, '!' or '@' */
	char code[16];		/* upper case */
	char op;		/* 0, '?', '=', '~', ':', 'Q' (=?) */
	bool pct;		/* '%' before ':' */
	const char *arg;	/* after the operator */
	size_t arg_len;
};
void sim_exec(struct sim *s, const struct sim_cmd *c);
int sim_split_args(const char *arg, char **v, int max, char *scratch,
		   size_t cap);
int sim_parse_num(const char *s, unsigned long *out);
void sim_session_end(struct sim *s);
void sim_set_busy(struct sim *s, int hn);
void sim_clear_busy(struct sim *s);

/* sockets.c */
void sim_sockets_init(struct sim *s);
void sim_sock_close(struct sim *s, int hn);
void sim_sockets_close_all(struct sim *s);
int sim_sock_open_count(struct sim *s);
void sim_cmd_socket(struct sim *s, const struct sim_cmd *c);
bool sim_is_socket_cmd(const char *code);
void sim_rp4_line(struct sim *s, char *line, size_t cap);
/* SSND stream, called by the parser */
int sim_ssnd_begin(struct sim *s, int hn, u64 sz, bool *buffered);
int sim_ssnd_stream(struct sim *s, int hn, const u8 *p, size_t n);
int sim_ssnd_end(struct sim *s, int hn, const u8 *p, size_t n, bool pct);
/* poll loop hooks */
int sim_sockets_pollfds(struct sim *s, struct pollfd *pfd, int *map,
			u64 *timeout_ns, u64 now);
void sim_sockets_event(struct sim *s, int hn, short revents, u64 now);
void sim_sockets_timers(struct sim *s, u64 now);

/* tls.c */
int sim_tls_global_init(struct sim *s);
void sim_tls_global_free(struct sim *s);
int sim_tls_start(struct sim *s, int hn);	/* 0 or module error */
/* Continue a handshake: 1 done, 0 again, <0 -error */
int sim_tls_handshake(struct sim *s, int hn);
bool sim_tls_want_write(struct sim *s, int hn);
ssize_t sim_tls_recv(struct sim *s, int hn, u8 *p, size_t n);
int sim_tls_send(struct sim *s, int hn, const u8 *p, size_t n);
bool sim_tls_pending(struct sim *s, int hn);
void sim_tls_close(struct sim *s, int hn);

/* faults.c */
u64 sim_rand(struct sim *s);
double sim_rand01(struct sim *s);
size_t sim_byte_faults(struct sim *s, char dir, u8 *p, size_t n,
		       double drop, double corrupt);
void sim_module_reset(struct sim *s, const char *why);

#endif /* ICHIP_SIM_H */
