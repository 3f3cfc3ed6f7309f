import request from 'supertest';
import { authBackendForTests, getUserToken } from './userTokens';
import {
  GatehouseTestBackend,
  startGatehouseTestBackend,
} from './startGatehouseTestBackend';

let backend: GatehouseTestBackend;
beforeAll(async () => {
  const { features, config } = authBackendForTests();
  backend = await startGatehouseTestBackend({
    externalAccess: [],
    features,
    extraConfig: config,
  });
});
afterAll(async () => {
  await backend?.stop();
});

it('works', async () => {
  const t = await getUserToken(backend);
  console.log(JSON.stringify(t.body).slice(0, 300));
  const res = await request(backend.server)
    .get('/api/demo/whoami')
    .set('Authorization', `Bearer ${t.token}`);
  console.log(res.status, JSON.stringify(res.body));
  for (const e of backend.logs.entries)
    console.log(e.level, e.message, JSON.stringify(e.meta).slice(0, 200));
});
