/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's clients, by unique bus name. A client that holds anything
 * (D-Bus leases, captures) is watched once, however much it holds; when
 * its name leaves the bus, everything it holds ends ("its owner left the
 * bus"), and with the last thing it held the watch goes too. Things
 * also end when their owner's process exits or their guard hangs up
 * (cnetd_end_on_fd()).
 */
#include "cnetd-build-config.h"

#include <glib-unix.h>

#include "cnetd-client.h"

typedef struct
{
  gpointer thing;
  CnetdClientEndFunc end;
} Held;

typedef struct
{
  CnetdClients *clients;
  char *name;
  guint watch_id;
  GArray *held; /* Held */
} Client;

struct _CnetdClients
{
  GDBusConnection *connection;
  GHashTable *by_name; /* unique name → Client */
};

static void
client_free (Client *client)
{
  if (client->watch_id != 0)
    g_bus_unwatch_name (client->watch_id);
  g_array_unref (client->held);
  g_free (client->name);
  g_free (client);
}

CnetdClients *
cnetd_clients_new (GDBusConnection *connection)
{
  CnetdClients *clients = g_new0 (CnetdClients, 1);

  clients->connection = g_object_ref (connection);
  clients->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) client_free);
  return clients;
}

/* Everything held must have let go by now (the manager ends it all
 * first); a client left over only loses its watch. */
void
cnetd_clients_free (CnetdClients *clients)
{
  if (clients == NULL)
    return;
  g_hash_table_unref (clients->by_name);
  g_object_unref (clients->connection);
  g_free (clients);
}

/* Ends what the client holds, the last first. Each end lets go of the
 * client, and the last one frees it (and its watch, which GIO allows from
 * within its own callback): @client is not touched after that. */
static void
on_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Client *client = user_data;
  CnetdClients *clients = client->clients;

  while (g_hash_table_lookup (clients->by_name, name) == client)
    {
      Held last = g_array_index (client->held, Held, client->held->len - 1);
      guint before = client->held->len;

      last.end (last.thing, "its owner left the bus");
      /* An end that did not let go would loop forever: drop it here. */
      if (g_hash_table_lookup (clients->by_name, name) == client &&
          client->held->len == before)
        {
          g_critical ("%s: something it held did not let go when it ended",
                      name);
          cnetd_clients_let_go (clients, name, last.thing);
        }
    }
}

void
cnetd_clients_hold (CnetdClients *clients, const char *name, gpointer thing,
                    CnetdClientEndFunc end)
{
  Client *client = g_hash_table_lookup (clients->by_name, name);
  Held held = { thing, end };

  if (client == NULL)
    {
      client = g_new0 (Client, 1);
      client->clients = clients;
      client->name = g_strdup (name);
      client->held = g_array_new (FALSE, FALSE, sizeof (Held));
      g_hash_table_insert (clients->by_name, client->name, client);
      /* Last: a name gone already calls on_vanished at once (from the
       * main loop), which must find the client complete. */
      client->watch_id =
        g_bus_watch_name_on_connection (clients->connection, name,
                                        G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                        on_vanished, client, NULL);
    }
  g_array_append_val (client->held, held);
}

void
cnetd_clients_let_go (CnetdClients *clients, const char *name, gpointer thing)
{
  Client *client = g_hash_table_lookup (clients->by_name, name);

  if (client == NULL)
    return;
  for (guint i = 0; i < client->held->len; i++)
    if (g_array_index (client->held, Held, i).thing == thing)
      {
        g_array_remove_index (client->held, i);
        break;
      }
  if (client->held->len == 0)
    g_hash_table_remove (clients->by_name, name);
}

typedef struct
{
  guint *source_id;
  gpointer thing;
  CnetdClientEndFunc end;
  const char *why;
} EndOnFd;

static gboolean
on_fd (int fd, GIOCondition condition, gpointer user_data)
{
  EndOnFd *e = user_data;

  /* The source goes when this returns: the thing must not remove it. */
  *e->source_id = 0;
  e->end (e->thing, e->why);
  return G_SOURCE_REMOVE;
}

void
cnetd_end_on_fd (guint *source_id, int fd, GIOCondition condition,
                 gpointer thing, CnetdClientEndFunc end, const char *why)
{
  EndOnFd *e = g_new0 (EndOnFd, 1);

  e->source_id = source_id;
  e->thing = thing;
  e->end = end;
  e->why = why;
  *source_id =
    g_unix_fd_add_full (G_PRIORITY_DEFAULT, fd, condition, on_fd, e, g_free);
}
