/** @type {import('next').NextConfig} */
const nextConfig = {
  // One module instance of the CJS ZooKeeper client, loaded at run time instead of bundled.
  serverExternalPackages: ['node-zookeeper-client'],
  poweredByHeader: false,
};
export default nextConfig;
