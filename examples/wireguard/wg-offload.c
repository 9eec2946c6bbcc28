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

#include <string.h>

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
