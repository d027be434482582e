// Cross-validation program for netsim's TCP model (copied into ns-3's scratch/).
//
// --mode=bulk: the 100 MB bulk benchmark (two nodes, one point-to-point link, 1 Gbps / 5 ms,
//   DropTail device queue of --queue packets, no queue disc, RateErrorModel per packet on
//   node 1's device = data direction only), one BulkSend of --maxBytes, TCP NewReno.
//   Prints completion (sink has every byte), all-acked time (sender's HighestRxAck covers
//   every data byte), retransmissions (socket Retransmission trace), timeouts (every
//   ReTxTimeout on data doubles m_rto: counted from the RTO trace), CA_LOSS entries,
//   CA_RECOVERY entries (= fast retransmits), and the attributes actually in force on the
//   sender and receiver sockets.
// --mode=dumbbell: s0,s1 -> r0 -> r1 -> d0,d1; access links --accRate/--accDelay, bottleneck
//   --rate/--delay with a DropTail device queue of --queue packets; two unlimited BulkSends
//   (flow 1 starts at --start2), run for --duration; per-flow goodput, utilisation, timeouts,
//   fast retransmits, retransmissions, bottleneck drops.
// Global ns-3 attributes may be given on the command line (--ns3::TcpSocketBase::Sack=false).
//
// --tcp2 lets the dumbbell's second flow run another congestion control than the first (set
// on its sender node's TcpL4Protocol); the second sender's attributes print as sender1:.
// --tcp=Bbr runs ns-3's TcpBbr, which needs --ns3::TcpSocketState::EnablePacing=true.
// tools/validation/ns3-build.sh copies this file into ns-3's scratch/ under the same name.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <cinttypes>
#include <cstdio>

using namespace ns3;

namespace
{

TypeId
CcType(const std::string& name)
{
    if (name == "Cubic")
    {
        return TcpCubic::GetTypeId();
    }
    if (name == "Bbr")
    {
        return TcpBbr::GetTypeId();
    }
    if (name == "Vegas")
    {
        return TcpVegas::GetTypeId();
    }
    return TcpNewReno::GetTypeId();
}

struct Flow
{
    uint64_t rx = 0;
    uint64_t retx = 0;
    uint64_t timeouts = 0;
    uint64_t lossEntries = 0;
    uint64_t recoveryEntries = 0;
    uint32_t highAck = 0;
    double allAckedAt = -1;
    double rxDoneAt = -1;
    int state = 0;               // current TcpCongState_t
    uint64_t retxByState[5] = {}; // retransmissions sent in OPEN, DISORDER, CWR, RECOVERY, LOSS
};

Flow g_flow[2];
uint64_t g_maxBytes = 100000000;
uint64_t g_bottleDrops = 0;
std::string g_mode = "bulk";

void
SinkRx(Flow* f, Ptr<const Packet> p, const Address&)
{
    f->rx += p->GetSize();
    if (g_mode == "bulk" && f->rxDoneAt < 0 && f->rx >= g_maxBytes)
    {
        f->rxDoneAt = Simulator::Now().GetSeconds();
    }
}

void
Retx(Flow* f,
     Ptr<const Packet>,
     const TcpHeader&,
     const Address&,
     const Address&,
     Ptr<const TcpSocketBase>)
{
    ++f->retx;
    if (f->state >= 0 && f->state < 5)
    {
        ++f->retxByState[f->state];
    }
}

void
RtoChange(Flow* f, Time oldv, Time newv)
{
    // ReTxTimeout: m_rto = min(2 m_rto, 60 s). Nothing else doubles it exactly.
    if (newv == oldv + oldv || (newv == Seconds(60) && oldv + oldv > Seconds(60)))
    {
        ++f->timeouts;
    }
}

void
CongState(Flow* f, TcpSocketState::TcpCongState_t oldv, TcpSocketState::TcpCongState_t newv)
{
    f->state = static_cast<int>(newv);
    if (newv == TcpSocketState::CA_LOSS && oldv != TcpSocketState::CA_LOSS)
    {
        ++f->lossEntries;
    }
    if (newv == TcpSocketState::CA_RECOVERY && oldv != TcpSocketState::CA_RECOVERY)
    {
        ++f->recoveryEntries;
    }
}

void
HighAck(Flow* f, SequenceNumber32, SequenceNumber32 newv)
{
    f->highAck = newv.GetValue();
    if (g_mode == "bulk" && f->allAckedAt < 0 && newv.GetValue() >= g_maxBytes + 1)
    {
        f->allAckedAt = Simulator::Now().GetSeconds();
        Simulator::Stop();
    }
}

void
Drop(Ptr<const Packet>)
{
    ++g_bottleDrops;
}

uint64_t g_tcDrops = 0;

void
TcDrop(Ptr<const Packet>)
{
    ++g_tcDrops;
}

std::string
Describe(Ptr<Socket> s)
{
    Ptr<TcpSocketBase> t = DynamicCast<TcpSocketBase>(s);
    if (!t)
    {
        return "not-tcp";
    }
    BooleanValue sack;
    BooleanValue ts;
    BooleanValue ws;
    BooleanValue lt;
    BooleanValue nodelay;
    UintegerValue iw;
    UintegerValue dac;
    UintegerValue seg;
    UintegerValue snd;
    UintegerValue rcv;
    UintegerValue retxth;
    UintegerValue dataRetries;
    TimeValue minRto;
    TimeValue dat;
    TimeValue gran;
    TimeValue cnTimeout;
    PointerValue cc;
    PointerValue rec;
    t->GetAttribute("Sack", sack);
    t->GetAttribute("Timestamp", ts);
    t->GetAttribute("WindowScaling", ws);
    t->GetAttribute("LimitedTransmit", lt);
    t->GetAttribute("TcpNoDelay", nodelay);
    t->GetAttribute("InitialCwnd", iw);
    t->GetAttribute("DelAckCount", dac);
    t->GetAttribute("DelAckTimeout", dat);
    t->GetAttribute("SegmentSize", seg);
    t->GetAttribute("SndBufSize", snd);
    t->GetAttribute("RcvBufSize", rcv);
    t->GetAttribute("ReTxThreshold", retxth);
    t->GetAttribute("DataRetries", dataRetries);
    t->GetAttribute("MinRto", minRto);
    t->GetAttribute("ClockGranularity", gran);
    t->GetAttribute("ConnTimeout", cnTimeout);
    t->GetAttribute("CongestionOps", cc);
    t->GetAttribute("RecoveryOps", rec);
    char buf[1024];
    std::snprintf(buf,
                  sizeof buf,
                  "sack=%d timestamp=%d wscale=%d limited_tx=%d nodelay=%d initial_cwnd=%u "
                  "delack_count=%u delack_timeout_s=%g seg=%u sndbuf=%u rcvbuf=%u retx_thresh=%u "
                  "data_retries=%u min_rto_s=%g clock_gran_s=%g conn_timeout_s=%g cc=%s recovery=%s",
                  sack.Get(),
                  ts.Get(),
                  ws.Get(),
                  lt.Get(),
                  nodelay.Get(),
                  (unsigned)iw.Get(),
                  (unsigned)dac.Get(),
                  dat.Get().GetSeconds(),
                  (unsigned)seg.Get(),
                  (unsigned)snd.Get(),
                  (unsigned)rcv.Get(),
                  (unsigned)retxth.Get(),
                  (unsigned)dataRetries.Get(),
                  minRto.Get().GetSeconds(),
                  gran.Get().GetSeconds(),
                  cnTimeout.Get().GetSeconds(),
                  cc.Get<Object>() ? cc.Get<Object>()->GetInstanceTypeId().GetName().c_str()
                                   : "null",
                  rec.Get<Object>() ? rec.Get<Object>()->GetInstanceTypeId().GetName().c_str()
                                    : "null");
    return buf;
}

std::string g_senderDesc[2];

void
Hook(Ptr<Application> app, Flow* f, int i)
{
    Ptr<Socket> s = DynamicCast<BulkSendApplication>(app)->GetSocket();
    NS_ABORT_MSG_IF(!s, "no sender socket yet");
    s->TraceConnectWithoutContext("Retransmission", MakeBoundCallback(&Retx, f));
    s->TraceConnectWithoutContext("RTO", MakeBoundCallback(&RtoChange, f));
    s->TraceConnectWithoutContext("CongState", MakeBoundCallback(&CongState, f));
    s->TraceConnectWithoutContext("HighestRxAck", MakeBoundCallback(&HighAck, f));
    g_senderDesc[i] = Describe(s);
}

} // namespace

int
main(int argc, char* argv[])
{
    double loss = 0.0;
    uint32_t sndBuf = 131072;
    uint32_t rcvBuf = 131072;
    uint32_t segSize = 1448;
    std::string rate = "1Gbps";
    std::string delay = "5ms";
    std::string accRate = "100Mbps";
    std::string accDelay = "1ms";
    std::string tcp = "NewReno";
    std::string tcp2 = "";
    uint32_t queue = 100;
    double duration = 30;
    double start2 = 0;
    uint32_t seed = 1;
    uint64_t run = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("mode", "bulk or dumbbell", g_mode);
    cmd.AddValue("loss", "bulk: packet error rate on node 1's device (data direction)", loss);
    cmd.AddValue("maxBytes", "bulk: bytes to transfer", g_maxBytes);
    cmd.AddValue("sndBuf", "TcpSocket::SndBufSize", sndBuf);
    cmd.AddValue("rcvBuf", "TcpSocket::RcvBufSize", rcvBuf);
    cmd.AddValue("segSize", "TcpSocket::SegmentSize", segSize);
    cmd.AddValue("rate", "link (bulk) or bottleneck (dumbbell) DataRate", rate);
    cmd.AddValue("delay", "link (bulk) or bottleneck (dumbbell) Delay", delay);
    cmd.AddValue("accRate", "dumbbell access links DataRate", accRate);
    cmd.AddValue("accDelay", "dumbbell access links Delay", accDelay);
    cmd.AddValue("queue", "device DropTail queue, packets", queue);
    cmd.AddValue("tcp", "NewReno, Cubic, Bbr or Vegas", tcp);
    cmd.AddValue("tcp2", "dumbbell: flow 1's NewReno, Cubic, Bbr or Vegas (default: --tcp)", tcp2);
    cmd.AddValue("duration", "dumbbell: seconds", duration);
    cmd.AddValue("start2", "dumbbell: start of flow 1 (s)", start2);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run", run);
    cmd.Parse(argc, argv);

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                       TypeIdValue(CcType(tcp)));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(segSize));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(sndBuf));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(rcvBuf));

    const uint16_t port = 9;
    ApplicationContainer srcApps;
    ApplicationContainer sinkApps;
    Ptr<NetDevice> bottleDev;
    int nflows = 1;

    if (g_mode == "bulk")
    {
        NodeContainer nodes;
        nodes.Create(2);
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue(rate));
        p2p.SetChannelAttribute("Delay", StringValue(delay));
        p2p.SetQueue("ns3::DropTailQueue<Packet>",
                     "MaxSize",
                     QueueSizeValue(QueueSize(std::to_string(queue) + "p")));
        NetDeviceContainer devices = p2p.Install(nodes);
        if (loss > 0)
        {
            Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
            em->SetAttribute("ErrorUnit", EnumValue(RateErrorModel::ERROR_UNIT_PACKET));
            em->SetAttribute("ErrorRate", DoubleValue(loss));
            devices.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
        }
        InternetStackHelper stack;
        stack.Install(nodes);
        Ipv4AddressHelper address;
        address.SetBase("10.1.1.0", "255.255.255.0");
        Ipv4InterfaceContainer ifaces = address.Assign(devices);
        TrafficControlHelper tch;
        tch.Uninstall(devices);
        bottleDev = devices.Get(0);

        BulkSendHelper source("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
        source.SetAttribute("MaxBytes", UintegerValue(g_maxBytes));
        source.SetAttribute("SendSize", UintegerValue(segSize));
        srcApps.Add(source.Install(nodes.Get(0)));
        PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
        sinkApps.Add(sink.Install(nodes.Get(1)));
        srcApps.Start(Seconds(0));
        sinkApps.Start(Seconds(0));
    }
    else
    {
        nflows = 2;
        NodeContainer s;
        NodeContainer r;
        NodeContainer d;
        s.Create(2);
        r.Create(2);
        d.Create(2);
        InternetStackHelper stack;
        stack.Install(s);
        stack.Install(r);
        stack.Install(d);
        PointToPointHelper acc;
        acc.SetDeviceAttribute("DataRate", StringValue(accRate));
        acc.SetChannelAttribute("Delay", StringValue(accDelay));
        acc.SetQueue("ns3::DropTailQueue<Packet>",
                     "MaxSize",
                     QueueSizeValue(QueueSize(std::to_string(queue) + "p")));
        PointToPointHelper bot;
        bot.SetDeviceAttribute("DataRate", StringValue(rate));
        bot.SetChannelAttribute("Delay", StringValue(delay));
        bot.SetQueue("ns3::DropTailQueue<Packet>",
                     "MaxSize",
                     QueueSizeValue(QueueSize(std::to_string(queue) + "p")));
        Ipv4AddressHelper address;
        TrafficControlHelper tch;
        std::vector<Ipv4InterfaceContainer> dIf;
        for (int i = 0; i < 2; ++i)
        {
            NetDeviceContainer a = acc.Install(s.Get(i), r.Get(0));
            std::string base = "10.1." + std::to_string(i + 1) + ".0";
            address.SetBase(base.c_str(), "255.255.255.0");
            address.Assign(a);
            tch.Uninstall(a);
        }
        NetDeviceContainer b = bot.Install(r.Get(0), r.Get(1));
        address.SetBase("10.2.1.0", "255.255.255.0");
        address.Assign(b);
        tch.Uninstall(b);
        bottleDev = b.Get(0);
        for (int i = 0; i < 2; ++i)
        {
            NetDeviceContainer a = acc.Install(r.Get(1), d.Get(i));
            std::string base = "10.3." + std::to_string(i + 1) + ".0";
            address.SetBase(base.c_str(), "255.255.255.0");
            dIf.push_back(address.Assign(a));
            tch.Uninstall(a);
        }
        Ipv4GlobalRoutingHelper::PopulateRoutingTables();
        if (!tcp2.empty())
        {
            s.Get(1)->GetObject<TcpL4Protocol>()->SetAttribute(
                "SocketType",
                TypeIdValue(CcType(tcp2)));
        }
        for (int i = 0; i < 2; ++i)
        {
            BulkSendHelper source("ns3::TcpSocketFactory",
                                  InetSocketAddress(dIf[i].GetAddress(1), port));
            source.SetAttribute("MaxBytes", UintegerValue(0));
            source.SetAttribute("SendSize", UintegerValue(segSize));
            ApplicationContainer sa = source.Install(s.Get(i));
            sa.Start(Seconds(i == 0 ? 0 : start2));
            srcApps.Add(sa);
            PacketSinkHelper sink("ns3::TcpSocketFactory",
                                  InetSocketAddress(Ipv4Address::GetAny(), port));
            ApplicationContainer ka = sink.Install(d.Get(i));
            ka.Start(Seconds(0));
            sinkApps.Add(ka);
        }
        Simulator::Stop(Seconds(duration));
    }

    bottleDev->TraceConnectWithoutContext("MacTxDrop", MakeCallback(&Drop));
    NS_ABORT_MSG_UNLESS(DynamicCast<PointToPointNetDevice>(bottleDev)->GetQueue()->TraceConnectWithoutContext(
                            "Drop",
                            MakeCallback(&Drop)),
                        "queue Drop trace");
    // With no queue disc, a full device queue stops the netdevice queue and the
    // traffic-control layer drops the packet (TrafficControlLayer "Drop").
    NS_ABORT_MSG_UNLESS(bottleDev->GetNode()->GetObject<TrafficControlLayer>()->TraceConnectWithoutContext(
                            "TcDrop",
                            MakeCallback(&TcDrop)),
                        "tc Drop trace");
    for (int i = 0; i < nflows; ++i)
    {
        sinkApps.Get(i)->TraceConnectWithoutContext("Rx", MakeBoundCallback(&SinkRx, &g_flow[i]));
        double st = (g_mode == "bulk" || i == 0) ? 0 : start2;
        Simulator::Schedule(Seconds(st) + NanoSeconds(1), &Hook, srcApps.Get(i), &g_flow[i], i);
    }

    Simulator::Run();
    const double simNow = Simulator::Now().GetSeconds();

    std::string rcvDesc = "none";
    {
        auto accepted = DynamicCast<PacketSink>(sinkApps.Get(0))->GetAcceptedSockets();
        if (!accepted.empty())
        {
            rcvDesc = Describe(accepted.front());
        }
    }
    std::printf("mode=%s tcp=%s loss=%g maxBytes=%" PRIu64 " sndBuf=%u rcvBuf=%u segSize=%u rate=%s "
                "delay=%s queue=%u seed=%u run=%" PRIu64 " sim_end_s=%.9f\n",
                g_mode.c_str(),
                tcp.c_str(),
                loss,
                g_maxBytes,
                sndBuf,
                rcvBuf,
                segSize,
                rate.c_str(),
                delay.c_str(),
                queue,
                seed,
                run,
                simNow);
    std::printf("sender0: %s\n", g_senderDesc[0].c_str());
    if (nflows > 1)
    {
        std::printf("sender1: %s\n", g_senderDesc[1].c_str());
    }
    std::printf("receiver0: %s\n", rcvDesc.c_str());
    uint64_t total = 0;
    for (int i = 0; i < nflows; ++i)
    {
        const Flow& f = g_flow[i];
        total += f.rx;
        double span = (g_mode == "bulk") ? f.rxDoneAt : duration - (i == 0 ? 0 : start2);
        std::printf("flow=%d rx_bytes=%" PRIu64 " rx_done_s=%.9f all_acked_s=%.9f goodput_bps=%.0f "
                    "retx=%" PRIu64 " timeouts=%" PRIu64 " loss_entries=%" PRIu64
                    " fast_retransmits=%" PRIu64 "\n",
                    i,
                    f.rx,
                    f.rxDoneAt,
                    f.allAckedAt,
                    span > 0 ? f.rx * 8.0 / span : 0.0,
                    f.retx,
                    f.timeouts,
                    f.lossEntries,
                    f.recoveryEntries);
    }
    for (int i = 0; i < nflows; ++i)
    {
        const Flow& f = g_flow[i];
        std::printf("flow=%d retx_by_state open=%" PRIu64 " disorder=%" PRIu64 " cwr=%" PRIu64
                    " recovery=%" PRIu64 " loss=%" PRIu64 "\n",
                    i,
                    f.retxByState[0],
                    f.retxByState[1],
                    f.retxByState[2],
                    f.retxByState[3],
                    f.retxByState[4]);
    }
    std::printf("bottleneck_drops=%" PRIu64 " (device_queue_or_mac_drop=%" PRIu64 " tc_drop=%" PRIu64
                ") total_rx_bytes=%" PRIu64 "\n",
                g_bottleDrops + g_tcDrops,
                g_bottleDrops,
                g_tcDrops,
                total);
    Simulator::Destroy();
    return 0;
}
