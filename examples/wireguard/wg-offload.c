/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TUN offloads (IFF_VNET_HDR): the kernel hands cnet-wg TCP segments of up
 * to 64 KiB (TSO) and packets whose checksum it left to us (CHECKSUM_PARTIAL);
 * cnet-wg cuts the segments to the MSS the kernel chose and completes the
 * checksums before sealing. One read per 64 KiB instead of one per packet,
 * and the sender's TCP stack does the same saving. Every segment is an
 * ordinary packet by the time it is sealed: the peer sees no difference.
 */
#include "wg-offload.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

guint64
wg_csum_partial (const guint8 *p, gsize len, guint64 sum)
{
  while (len >= 8)
    {
      guint64 w;
      memcpy (&w, p, 8);
      sum += (w & 0xffffffffu) + (w >> 32);
      p += 8;
      len -= 8;
    }
  while (len >= 2)
    {
      guint16 w;
      memcpy (&w, p, 2);
      sum += w;
      p += 2;
      len -= 2;
    }
  if (len > 0)
    {
      guint16 w = 0;
      memcpy (&w, p, 1);
      sum += w;
    }
  return sum;
}

guint16
wg_csum_fold (guint64 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

gboolean
wg_csum_complete (guint8 *p, gsize len, const WgVnetHdr *vh)
{
  guint start = vh->csum_start, off = vh->csum_offset;
  guint16 c;

  if ((gsize) start + off + 2 > len)
    return FALSE;
  /* The field holds the pseudo-header's sum: fold in the rest. */
  c = (guint16) ~wg_csum_fold (wg_csum_partial (p + start, len - start, 0));
  if (c == 0 && off == 6)
    c = 0xffff; /* UDP: 0 means no checksum */
  memcpy (p + start + off, &c, 2);
  return TRUE;
}

static guint64
pseudo_sum (const guint8 *ip, gboolean v6, guint l4_len)
{
  guint8 tail[8] = { 0 };

  if (v6)
    {
      tail[0] = (guint8) (l4_len >> 24);
      tail[1] = (guint8) (l4_len >> 16);
      tail[2] = (guint8) (l4_len >> 8);
      tail[3] = (guint8) l4_len;
      tail[7] = 6;
      return wg_csum_partial (tail, 8, wg_csum_partial (ip + 8, 32, 0));
    }
  tail[1] = 6;
  tail[2] = (guint8) (l4_len >> 8);
  tail[3] = (guint8) l4_len;
  return wg_csum_partial (tail, 4, wg_csum_partial (ip + 12, 8, 0));
}

guint
wg_gso_split (const guint8 *p, gsize len, const WgVnetHdr *vh,
              CnetPacket **frames, guint max_frames, guint off)
{
  guint8 type = vh->gso_type & ~WG_VNET_GSO_ECN;
  gboolean v6 = type == WG_VNET_GSO_TCPV6;
  guint l4 = vh->csum_start, thl, hdr_len, mss = vh->gso_size, nseg;
  gsize payload;
  guint32 seq0;
  guint16 id0 = 0;
  guint8 flags;

  if ((type != WG_VNET_GSO_TCPV4 && type != WG_VNET_GSO_TCPV6) || mss == 0 ||
      len < 20 || (p[0] >> 4) != (v6 ? 6 : 4) ||
      l4 != (v6 ? 40u : (p[0] & 0xfu) * 4u) || (gsize) l4 + 20 > len)
    return 0;
  thl = (p[l4 + 12] >> 4) * 4u;
  hdr_len = l4 + thl;
  if (thl < 20 || hdr_len > len)
    return 0;
  payload = len - hdr_len;
  nseg = payload == 0 ? 1 : (guint) ((payload + mss - 1) / mss);
  if (nseg > max_frames)
    return 0;
  seq0 = (guint32) p[l4 + 4] << 24 | (guint32) p[l4 + 5] << 16 |
         (guint32) p[l4 + 6] << 8 | p[l4 + 7];
  flags = p[l4 + 13];
  if (!v6)
    id0 = (guint16) (p[4] << 8 | p[5]);

  for (guint i = 0; i < nseg; i++)
    {
      gsize len_out;
      guint8 *d = cnet_packet_get_data (frames[i], &len_out) + off;
      guint seg = (guint) MIN ((gsize) mss, payload - (gsize) i * mss);
      guint8 *t = d + l4;
      guint32 seq = seq0 + i * mss;
      guint16 c;

      if (payload == 0)
        seg = 0;
      memcpy (d, p, hdr_len);
      memcpy (d + hdr_len, p + hdr_len + (gsize) i * mss, seg);
      if (!v6)
        {
          guint16 tot = (guint16) (hdr_len + seg), id = (guint16) (id0 + i);

          d[2] = (guint8) (tot >> 8);
          d[3] = (guint8) tot;
          d[4] = (guint8) (id >> 8);
          d[5] = (guint8) id;
          d[10] = d[11] = 0;
          c = (guint16) ~wg_csum_fold (wg_csum_partial (d, l4, 0));
          memcpy (d + 10, &c, 2);
        }
      else
        {
          guint16 pl = (guint16) (hdr_len - 40 + seg);

          d[4] = (guint8) (pl >> 8);
          d[5] = (guint8) pl;
        }
      t[4] = (guint8) (seq >> 24);
      t[5] = (guint8) (seq >> 16);
      t[6] = (guint8) (seq >> 8);
      t[7] = (guint8) seq;
      t[13] = flags;
      if (i + 1 < nseg)
        t[13] &= (guint8) ~(WG_TCP_FIN | WG_TCP_PSH);
      if (i > 0)
        t[13] &= (guint8) ~WG_TCP_CWR;
      t[16] = t[17] = 0;
      c = (guint16) ~wg_csum_fold (
        wg_csum_partial (t, thl + seg, pseudo_sum (d, v6, thl + seg)));
      memcpy (t + 16, &c, 2);
      if (!cnet_packet_set_length (frames[i], off + hdr_len + seg, NULL))
        return 0;
    }
  return nseg;
}

/* --- GRO towards the TUN device --------------------------------------- */

typedef struct
{
  guint8 *p;
  guint len, ihl, thl, payload;
  guint32 seq;
  gboolean v6;
} TcpSeg;

static gboolean
tcp_seg (guint8 *p, guint len, TcpSeg *t)
{
  if (len < 40)
    return FALSE;
  t->p = p;
  t->len = len;
  if ((p[0] >> 4) == 4)
    {
      /* No options, no fragment: MF and the offset must be clear. */
      if ((p[0] & 0xf) != 5 || p[9] != 6 || ((p[6] << 8 | p[7]) & 0x3fff) != 0)
        return FALSE;
      t->ihl = 20;
      t->v6 = FALSE;
    }
  else if ((p[0] >> 4) == 6)
    {
      if (len < 60 || p[6] != 6)
        return FALSE;
      t->ihl = 40;
      t->v6 = TRUE;
    }
  else
    return FALSE;
  t->thl = (p[t->ihl + 12] >> 4) * 4u;
  if (t->thl < 20 || t->ihl + t->thl > len)
    return FALSE;
  t->payload = len - t->ihl - t->thl;
  t->seq = (guint32) p[t->ihl + 4] << 24 | (guint32) p[t->ihl + 5] << 16 |
           (guint32) p[t->ihl + 6] << 8 | p[t->ihl + 7];
  return TRUE;
}

#define TCP_FLAGS(t) ((t)->p[(t)->ihl + 13])
#define GRO_MAX_SEGS 64

/* May @next continue the run from @first to @last (@total payload bytes,
 * @nseg packets)? The packets must be one flow's consecutive full-sized
 * segments with identical headers but for lengths, IDs, checksums and
 * sequence numbers; only the last may carry PSH. */
static gboolean
can_follow (const TcpSeg *first, const TcpSeg *last, const TcpSeg *next,
            guint total, guint nseg)
{
  const guint8 *a = first->p, *b = next->p;
  guint l4 = first->ihl;

  if (nseg >= GRO_MAX_SEGS || next->v6 != first->v6 ||
      next->thl != first->thl || TCP_FLAGS (last) != 0x10 ||
      (TCP_FLAGS (next) != 0x10 && TCP_FLAGS (next) != 0x18) ||
      last->payload != first->payload || next->payload == 0 ||
      next->payload > first->payload || next->seq != first->seq + total ||
      first->thl + total + next->payload + (first->v6 ? 0 : 20) > 65535)
    return FALSE;
  if (first->v6
        ? memcmp (a, b, 4) != 0 || a[7] != b[7] ||
            memcmp (a + 8, b + 8, 32) != 0
        : a[1] != b[1] || a[8] != b[8] || memcmp (a + 12, b + 12, 8) != 0)
    return FALSE;
  /* Ports, acknowledgement, window, urgent pointer and options. */
  return memcmp (a + l4, b + l4, 4) == 0 &&
         memcmp (a + l4 + 8, b + l4 + 8, 4) == 0 &&
         memcmp (a + l4 + 14, b + l4 + 14, 2) == 0 &&
         memcmp (a + l4 + 18, b + l4 + 18, first->thl - 18) == 0;
}

/* Writes one run: a plain packet, or one GSO packet made of the first
 * packet's headers and every packet's payload. The first packet must have
 * sizeof (WgVnetHdr) writable bytes before it. */
static void
write_run (int fd, TcpSeg *segs, guint n, guint total)
{
  struct iovec iov[GRO_MAX_SEGS + 1];
  TcpSeg *f = &segs[0];
  WgVnetHdr *vh = (WgVnetHdr *) (void *) (f->p - sizeof (WgVnetHdr));
  guint8 *p = f->p, *t = p + f->ihl;
  guint tcp_len = f->thl + total;
  guint64 sum;
  guint8 tail[8] = { 0 };
  guint16 c;

  memset (vh, 0, sizeof *vh);
  iov[0].iov_base = vh;
  iov[0].iov_len = sizeof *vh;
  if (n == 1)
    {
      iov[1].iov_base = p;
      iov[1].iov_len = f->len;
      if (writev (fd, iov, 2) < 0)
        g_debug ("TUN write: %s", g_strerror (errno));
      return;
    }
  if (f->v6)
    {
      p[4] = (guint8) (tcp_len >> 8);
      p[5] = (guint8) tcp_len;
      tail[0] = (guint8) (tcp_len >> 24);
      tail[1] = (guint8) (tcp_len >> 16);
      tail[2] = (guint8) (tcp_len >> 8);
      tail[3] = (guint8) tcp_len;
      tail[7] = 6;
      sum = wg_csum_partial (tail, 8, wg_csum_partial (p + 8, 32, 0));
    }
  else
    {
      guint tot = 20 + tcp_len;

      p[2] = (guint8) (tot >> 8);
      p[3] = (guint8) tot;
      p[10] = p[11] = 0;
      c = (guint16) ~wg_csum_fold (wg_csum_partial (p, 20, 0));
      memcpy (p + 10, &c, 2);
      tail[1] = 6;
      tail[2] = (guint8) (tcp_len >> 8);
      tail[3] = (guint8) tcp_len;
      sum = wg_csum_partial (tail, 4, wg_csum_partial (p + 12, 8, 0));
    }
  /* PSH of the last segment on the whole; the checksum left partial (the
   * pseudo-header's sum), as the kernel's own GSO packets have it. */
  t[13] |= TCP_FLAGS (&segs[n - 1]) & WG_TCP_PSH;
  c = wg_csum_fold (sum);
  memcpy (t + 16, &c, 2);
  vh->flags = WG_VNET_F_NEEDS_CSUM;
  vh->gso_type = f->v6 ? WG_VNET_GSO_TCPV6 : WG_VNET_GSO_TCPV4;
  vh->hdr_len = (guint16) (f->ihl + f->thl);
  vh->gso_size = (guint16) f->payload;
  vh->csum_start = (guint16) f->ihl;
  vh->csum_offset = 16;
  iov[1].iov_base = p;
  iov[1].iov_len = f->len;
  for (guint i = 1; i < n; i++)
    {
      iov[i + 1].iov_base = segs[i].p + segs[i].ihl + segs[i].thl;
      iov[i + 1].iov_len = segs[i].payload;
    }
  if (writev (fd, iov, (int) n + 1) < 0)
    g_debug ("TUN write: %s", g_strerror (errno));
}

guint
wg_gro_write (int fd, guint8 **pkts, const guint *lens, guint n)
{
  TcpSeg segs[GRO_MAX_SEGS];
  guint run = 0, total = 0, writes = 0;

  for (guint i = 0; i < n; i++)
    {
      TcpSeg t;

      if (!tcp_seg (pkts[i], lens[i], &t))
        {
          t.p = pkts[i];
          t.len = lens[i];
          t.ihl = t.thl = t.payload = 0;
          if (run > 0)
            {
              write_run (fd, segs, run, total);
              writes++;
            }
          segs[0] = t;
          write_run (fd, segs, 1, 0);
          writes++;
          run = total = 0;
          continue;
        }
      if (run > 0 && can_follow (&segs[0], &segs[run - 1], &t, total, run))
        {
          segs[run++] = t;
          total += t.payload;
          continue;
        }
      if (run > 0)
        {
          write_run (fd, segs, run, total);
          writes++;
        }
      segs[0] = t;
      run = 1;
      total = t.payload;
    }
  if (run > 0)
    {
      write_run (fd, segs, run, total);
      writes++;
    }
  return writes;
}
