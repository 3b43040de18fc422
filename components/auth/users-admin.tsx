'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { getJson, queryKeys, refreshAfterWrite, sendJson, urls } from '@/components/api';
import { ROLES, type Role } from '@/lib/contract';
import { useSession } from './use-session';

interface UserRow {
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
  managedByEnv: boolean;
}


/** Admin user management: add, change role or password, remove. The server enforces admin (403). */
export function UsersAdmin() {
  const session = useSession();
  const client = useQueryClient();
  const users = useQuery({
    queryKey: queryKeys.users(),
    queryFn: () => getJson<{ users: UserRow[] }>(urls.users()),
    enabled: session.can('admin'),
  });
  const [message, setMessage] = useState<string | null>(null);
  const done = (text: string) => {
    setMessage(text);
    void refreshAfterWrite(client, { users: true });
  };
  const fail = (err: Error) => setMessage(err.message);
  const create = useMutation({
    mutationFn: (input: { name: string; role: Role; password: string }) => sendJson('POST', urls.users(), input),
    onSuccess: () => done('user added'),
    onError: fail,
  });
  const update = useMutation({
    mutationFn: (input: { name: string; role?: Role; password?: string }) =>
      sendJson('PATCH', urls.user(input.name), { ...(input.role ? { role: input.role } : {}), ...(input.password ? { password: input.password } : {}) }),
    onSuccess: () => done('user changed'),
    onError: fail,
  });
  const remove = useMutation({
    mutationFn: (name: string) => sendJson('DELETE', urls.user(name)),
    onSuccess: () => done('user removed'),
    onError: fail,
  });

  if (session.loading) return <p className="text-slate-500">Loading…</p>;
  if (!session.can('admin')) return <p data-testid="users-forbidden">Only admins manage users.</p>;

  const onCreate = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ name: String(form.get('name') ?? ''), role: String(form.get('role') ?? 'viewer') as Role, password: String(form.get('password') ?? '') });
    event.currentTarget.reset();
  };

  return (
    <section className="flex flex-col gap-4" data-testid="users-admin">
      <h1 className="text-xl font-semibold">Users</h1>
      {message && (
        <p role="status" className="text-sm text-slate-700">
          {message}
        </p>
      )}
      {users.error && <p className="text-red-700">{users.error.message}</p>}
      <table className="w-full border-collapse text-sm">
        <thead>
          <tr className="border-b text-left text-slate-500">
            <th className="py-1">User</th>
            <th>Role</th>
            <th>New password</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.data?.users.map((u) => (
            <tr key={u.name} className="border-b" data-user={u.name}>
              <td className="py-1">
                {u.name}
                {u.managedByEnv && <span className="ml-2 text-xs text-slate-500">(set by environment at every start)</span>}
              </td>
              <td>
                <select value={u.role} onChange={(e) => update.mutate({ name: u.name, role: e.target.value as Role })} className="rounded border border-slate-300 px-1">
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <form
                  className="flex gap-1"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const password = String(new FormData(e.currentTarget).get('password') ?? '');
                    update.mutate({ name: u.name, password });
                    e.currentTarget.reset();
                  }}
                >
                  <input name="password" type="password" minLength={8} autoComplete="new-password" className="rounded border border-slate-300 px-1" />
                  <button className="rounded border border-slate-300 px-2">Set</button>
                </form>
              </td>
              <td>
                <button
                  type="button"
                  className="rounded border border-red-300 px-2 text-red-700"
                  onClick={() => {
                    if (window.confirm(`Remove user ${u.name}?`)) remove.mutate(u.name);
                  }}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={onCreate} className="flex flex-wrap items-end gap-2 text-sm" data-testid="add-user">
        <label className="flex flex-col">
          User
          <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._@\-]{0,63}" className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col">
          Role
          <select name="role" className="rounded border border-slate-300 px-2 py-1">
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          Password
          <input name="password" type="password" required minLength={8} autoComplete="new-password" className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <button className="rounded bg-slate-800 px-3 py-1.5 text-white">Add user</button>
      </form>
    </section>
  );
}
