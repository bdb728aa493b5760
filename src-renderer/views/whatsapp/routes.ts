import type { RouteRecordRaw } from 'vue-router';

export default [
  {
    path: '/whatsapp',
    component: () => import('./WhatsappView.vue'),
    meta: { nav: { label: 'nav.whatsapp', icon: '✆', order: 30 } },
    children: [
      { path: '', name: 'whatsapp', component: () => import('./InstanceBoard.vue') },
      { path: 'stream', name: 'whatsapp-stream', component: () => import('./EventStream.vue') },
      { path: 'metrics', name: 'whatsapp-metrics', component: () => import('./MetricsPanel.vue') },
      { path: 'config', name: 'whatsapp-config', component: () => import('./EventConfig.vue') },
    ],
  },
] satisfies RouteRecordRaw[];
