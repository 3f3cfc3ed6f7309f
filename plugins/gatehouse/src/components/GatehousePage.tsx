import { Header, Page } from '@backstage/core-components';
import { ServiceAccessContent } from './ServiceAccessContent';

/**
 * The page with its own header, for apps on the legacy frontend system (the
 * new system's page blueprint adds the header itself).
 */
export function GatehousePage() {
  return (
    <Page themeId="tool">
      <Header
        title="Service access"
        subtitle="Tokens and identity providers that can call Backstage's plugins"
      />
      <ServiceAccessContent />
    </Page>
  );
}
