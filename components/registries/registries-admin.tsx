'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import {
  namespacesQuery,
  refreshAfterWrite,
  registriesQuery,
  sendJson,
  urls,
  type ConnectionTestResult,
  type RegistryInfo,
} from '@/components/api';
import { useSession } from '@/components/auth/use-session';
import { RegistryStateBadge } from '@/components/registry/registry-state';

/** A registry id from its name: the plain characters ids allow, lower-cased. */
function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

const input = 'rounded border border-slate-300 px-2 py-1 text-sm';
const button = 'rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 disabled:opacity-50';

/** Registries: every user sees the list; admins add (after a connection test), edit and remove. */
export function RegistriesAdmin() {
  const session = useSession();
  const registries = useQuery(registriesQuery());
  const isAdmin = session.can('admin');
  return (
    <section className="flex flex-col gap-6" data-testid="registries-page">
      <h1 className="text-xl font-semibold">Registries</h1>
      {registries.error && <p className="text-red-700">{registries.error.message}</p>}
      <table className="w-full border-collapse text-sm" data-testid="registry-table">
        <thead>
          <tr className="border-b text-left text-slate-500">
            <th className="py-1">Name</th>
            <th>Id</th>
            <th>Connect string</th>
            <th>Namespace</th>
            <th>State</th>
            <th>Error</th>
            {isAdmin && <th />}
          </tr>
        </thead>
        <tbody>
          {(registries.data?.registries ?? []).map((r) => (
            <RegistryRow key={r.id} registry={r} admin={isAdmin} />
          ))}
        </tbody>
      </table>
      {isAdmin && <AddRegistryForm existing={(registries.data?.registries ?? []).map((r) => r.id)} />}
    </section>
  );
}

function RegistryRow({ registry: r, admin }: { registry: RegistryInfo; admin: boolean }) {
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => refreshAfterWrite(client, { registries: true });
  const remove = useMutation({
    mutationFn: () => sendJson('DELETE', urls.registry(r.id)),
    onSuccess: () => void refresh(),
    onError: (e: Error) => setError(e.message),
  });
  const update = useMutation({
    mutationFn: (body: { name: string; connectString: string; namespace: string; digest?: string | null }) => sendJson('PUT', urls.registry(r.id), body),
    onSuccess: () => {
      setEditing(false);
      void refresh();
    },
    onError: (e: Error) => setError(e.message),
  });
  const onSave = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const digest = String(form.get('digest') ?? '');
    const clear = form.get('clearDigest') === 'on';
    update.mutate({
      name: String(form.get('name') ?? r.name),
      connectString: String(form.get('connectString') ?? r.connectString).trim(),
      namespace: String(form.get('namespace') ?? r.namespace).trim(),
      ...(clear ? { digest: null } : digest ? { digest } : {}),
    });
  };
  const editable = admin && r.persisted === true && r.id !== 'default';
  return (
    <>
      <tr className="border-b align-top" data-testid="registry-row" data-rid={r.id}>
        <td className="py-1">
          <Link href={`/registries/${encodeURIComponent(r.id)}`} className="text-sky-700 hover:underline">
            {r.name}
          </Link>
        </td>
        <td className="font-mono">{r.id}</td>
        <td className="font-mono">{r.connectString}</td>
        <td className="font-mono">{r.namespace}</td>
        <td>
          <RegistryStateBadge state={r.state} />
        </td>
        <td className="max-w-xs break-words text-red-700">{r.error ?? ''}</td>
        {admin && (
          <td className="space-x-2 whitespace-nowrap">
            {editable && (
              <>
                <button type="button" className={button} onClick={() => setEditing((v) => !v)} data-testid="registry-edit">
                  Edit
                </button>
                <button
                  type="button"
                  className={button}
                  disabled={remove.isPending}
                  data-testid="registry-remove"
                  onClick={() => {
                    if (window.confirm(`Remove registry ${r.id}? Its ZooKeeper data is left untouched.`)) remove.mutate();
                  }}
                >
                  Remove
                </button>
              </>
            )}
          </td>
        )}
      </tr>
      {(editing || error) && (
        <tr>
          <td colSpan={7} className="pb-2">
            {error && (
              <p role="alert" className="text-sm text-red-700">
                {error}
              </p>
            )}
            {editing && (
              <form onSubmit={onSave} className="flex flex-wrap items-center gap-2" data-testid="registry-edit-form">
                <input name="name" defaultValue={r.name} aria-label="Name" className={input} required />
                <input name="connectString" defaultValue={r.connectString} aria-label="Connect string" className={`${input} font-mono`} required />
                <input name="namespace" defaultValue={r.namespace} aria-label="Namespace" className={`${input} font-mono`} required />
                <input name="digest" placeholder={r.digest ? 'new digest user:password (kept if empty)' : 'digest user:password (optional)'} aria-label="Digest" className={input} />
                {r.digest && (
                  <label className="text-sm">
                    <input type="checkbox" name="clearDigest" /> remove digest
                  </label>
                )}
                <button type="submit" className={button} disabled={update.isPending}>
                  Save
                </button>
              </form>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function AddRegistryForm({ existing }: { existing: string[] }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [connectString, setConnectString] = useState('');
  const [namespace, setNamespace] = useState('');
  const [digest, setDigest] = useState('');
  const [browse, setBrowse] = useState<string | null>(null);
  const [tested, setTested] = useState<(ConnectionTestResult & { key: string }) | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const id = slug(name || namespace);
  const key = JSON.stringify([connectString, namespace, digest]);
  const body = { connectString: connectString.trim(), namespace: namespace.trim(), ...(digest ? { digest } : {}) };
  const namespaces = useQuery({ ...namespacesQuery(browse ?? ''), enabled: browse !== null });

  const test = useMutation({
    mutationFn: () => sendJson<ConnectionTestResult>('POST', urls.registryTest(), body),
    onSuccess: (result) => {
      setTested({ ...result, key });
      setMessage(null);
    },
    onError: (e: Error) => {
      setTested(null);
      setMessage(e.message);
    },
  });
  const save = useMutation({
    mutationFn: () => sendJson<{ registry: RegistryInfo }>('POST', urls.registries(), { id, ...(name.trim() ? { name: name.trim() } : {}), ...body }),
    onSuccess: ({ registry }) => {
      setMessage(`registry ${registry.id} added`);
      setName('');
      setConnectString('');
      setNamespace('');
      setDigest('');
      setTested(null);
      void refreshAfterWrite(client, { registries: true });
    },
    onError: (e: Error) => setMessage(e.message),
  });
  const current = tested && tested.key === key ? tested : null;
  const taken = existing.includes(id);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (current?.ok) save.mutate();
  };

  return (
    <form onSubmit={onSubmit} className="flex max-w-2xl flex-col gap-3 rounded border border-slate-200 bg-white p-4" data-testid="registry-add-form">
      <h2 className="font-semibold">Add a registry</h2>
      <label className="flex flex-col gap-1 text-sm">
        Name
        <input className={input} value={name} onChange={(e) => setName(e.target.value)} name="name" required data-testid="registry-add-name" />
        <span className="text-xs text-slate-500">
          id: <span className="font-mono">{id || '—'}</span>
          {taken && <span className="text-red-700"> (already taken)</span>}
        </span>
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Connect string
        <div className="flex gap-2">
          <input
            className={`${input} flex-1 font-mono`}
            value={connectString}
            onChange={(e) => setConnectString(e.target.value)}
            placeholder="host:port[,host:port…]"
            name="connectString"
            required
            data-testid="registry-add-connect"
          />
          <button type="button" className={button} disabled={!connectString.trim()} onClick={() => setBrowse(connectString.trim())} data-testid="registry-browse">
            Browse namespaces
          </button>
        </div>
      </label>
      {browse !== null && (
        <div className="text-sm" data-testid="namespace-browser">
          {namespaces.isPending && <span className="text-slate-500">Listing namespaces…</span>}
          {namespaces.error && <span className="text-red-700">{namespaces.error.message}</span>}
          {namespaces.data && (
            <div className="flex flex-wrap gap-2">
              {namespaces.data.namespaces.length === 0 && <span className="text-slate-500">no namespaces under /</span>}
              {namespaces.data.namespaces.map((ns) => (
                <button key={ns} type="button" className={`${button} font-mono`} onClick={() => setNamespace(ns)} data-testid="namespace-option">
                  {ns}
                </button>
              ))}
            </div>
          )}
        </div>
      )}
      <label className="flex flex-col gap-1 text-sm">
        Namespace
        <input className={`${input} font-mono`} value={namespace} onChange={(e) => setNamespace(e.target.value)} name="namespace" required data-testid="registry-add-namespace" />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        Digest (optional)
        <input className={input} value={digest} onChange={(e) => setDigest(e.target.value)} placeholder="user:password" name="digest" autoComplete="off" data-testid="registry-add-digest" />
      </label>
      <div className="flex items-center gap-2">
        <button type="button" className={button} disabled={test.isPending || !connectString.trim() || !namespace.trim()} onClick={() => test.mutate()} data-testid="registry-test">
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className={button} disabled={!current?.ok || save.isPending || taken || !id} data-testid="registry-save">
          Save
        </button>
        {!current && <span className="text-xs text-slate-500">Test the connection before saving.</span>}
      </div>
      {current && (
        <div data-testid="registry-test-result" data-ok={current.ok} className={`rounded px-3 py-2 text-sm ${current.ok ? 'bg-emerald-50 text-emerald-900' : 'bg-red-50 text-red-900'}`}>
          {current.ok ? (
            <>
              <p>
                Connected{current.serverVersion ? ` — ZooKeeper ${current.serverVersion}` : ' (server version not available: srvr not allowed)'}.
              </p>
              <p>
                {current.namespaceExists
                  ? current.jobs.length > 0
                    ? `Jobs in /${namespace}: `
                    : `/${namespace} exists but holds no jobs yet.`
                  : `/${namespace} does not exist yet; it will be empty until workers register.`}
                {current.jobs.map((j) => (
                  <span key={j} className="mr-2 font-mono" data-testid="registry-test-job">
                    {j}
                  </span>
                ))}
              </p>
            </>
          ) : (
            <p>Connection failed: {current.error}</p>
          )}
        </div>
      )}
      {message && (
        <p role="status" className="text-sm text-slate-700" data-testid="registry-add-message">
          {message}
        </p>
      )}
    </form>
  );
}
